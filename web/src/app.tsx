import { useEffect, useState } from 'preact/hooks';
import { ApiError, getJson } from './api.js';
import { CameraView } from './camera-view.js';
import { ConfirmDialog, type Confirmation } from './confirm-dialog.js';
import { EventList } from './event-list.js';
import { HealthPanel } from './health-panel.js';
import { Login } from './login.js';
import { ModeControls } from './mode-controls.js';
import { SelftestPanel } from './selftest-panel.js';
import { SignalPanel, TIMELINE_S, type AspectSample } from './signal-panel.js';
import type { LiveState, PageConfig } from './types.js';

type Session = 'checking' | 'login' | 'in';

export function App() {
  const [session, setSession] = useState<Session>('checking');
  const [config, setConfig] = useState<PageConfig | null>(null);
  const [state, setState] = useState<LiveState | null>(null);
  const [samples, setSamples] = useState<AspectSample[]>([]);
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const [streamDown, setStreamDown] = useState(false);

  useEffect(() => {
    getJson('/api/session')
      .then(() => setSession('in'))
      .catch((error) => setSession(error instanceof ApiError && error.status === 401 ? 'login' : 'in'));
  }, []);

  useEffect(() => {
    if (session !== 'in') return;
    getJson<PageConfig>('/api/config').then(setConfig, () => setSession('login'));
    const source = new EventSource('/api/state/stream');
    source.onmessage = (event) => {
      const next = JSON.parse(event.data as string) as LiveState;
      setStreamDown(false);
      setState(next);
      setSamples((past) => [...past.filter((sample) => sample.at > next.at - TIMELINE_S * 1000), { at: next.at, aspects: next.signal.aspects }]);
    };
    source.onerror = () => setStreamDown(true);
    return () => source.close();
  }, [session]);

  if (session === 'checking') return <p class="muted">Connecting…</p>;
  if (session === 'login') return <Login onLoggedIn={() => setSession('in')} />;
  if (!config || !state) return <p class="muted">Waiting for the node…</p>;
  return (
    <>
      <header>
        <h1>{config.node.name ?? `${config.node.id}@${config.node.site}`}</h1>
        <span class={`badge ${state.health.link}`}>link {state.health.link}</span>
        {streamDown && <span class="error">connection to the node lost, retrying…</span>}
      </header>
      <div class="grid">
        <div>
          {config.cameras.map((camera) => (
            <CameraView key={camera.id} camera={camera} live={state.cameras.find((live) => live.id === camera.id) ?? null} canSave={config.canSave} confirm={setConfirmation} />
          ))}
          {config.cameras.length === 0 && <section class="muted">No cameras configured.</section>}
          <SelftestPanel state={state} confirm={setConfirmation} />
        </div>
        <div>
          <SignalPanel config={config} state={state} samples={samples} />
          <ModeControls state={state} confirm={setConfirmation} />
          <HealthPanel state={state} />
          <EventList events={state.events} />
        </div>
      </div>
      <ConfirmDialog confirmation={confirmation} onClose={() => setConfirmation(null)} />
    </>
  );
}
