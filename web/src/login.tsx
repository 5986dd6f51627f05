import { useState } from 'preact/hooks';
import { postJson } from './api.js';

export function Login({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await postJson('/api/login', { token });
      onLoggedIn();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>NutGiao node</h1>
      <label for="token">Password or token (web.token)</label>
      <input id="token" name="token" type="password" autocomplete="current-password" value={token} onInput={(event) => setToken((event.target as HTMLInputElement).value)} />
      <button class="primary" type="submit">Log in</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}
