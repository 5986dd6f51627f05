import { useState } from 'preact/hooks';
import { ApiError, postJson } from './api.js';
import type { Confirmation } from './confirm-dialog.js';
import type { LiveState } from './types.js';

const MODES: Array<{ mode: string; label: string; detail: string }> = [
  { mode: 'flash', label: 'Flash', detail: 'The intersection goes to flash at the controller\'s next safe point (after the running minimum green and clearance).' },
  { mode: 'all-red', label: 'All red', detail: 'Every approach goes red at the next safe point.' },
  { mode: 'manual', label: 'Manual', detail: 'Phases advance only when you press Step; minimum greens and clearances are still timed by the controller.' },
  { mode: 'normal', label: 'Normal', detail: 'The controller returns to its timing plan.' },
];

/** Mode, manual step and monitor reset: each behind the confirmation dialog, each request carries confirm: true. */
export function ModeControls({ state, confirm }: { state: LiveState; confirm: (confirmation: Confirmation) => void }) {
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const act = (title: string, detail: string, action: string, path: string, body: Record<string, unknown>) =>
    confirm({
      title,
      detail,
      action,
      run: async () => {
        try {
          const answer = await postJson<{ result: unknown }>(path, { ...body, confirm: true });
          setMessage({ text: `${action}: done ${JSON.stringify(answer.result)}`, error: false });
        } catch (error) {
          setMessage({ text: error instanceof ApiError ? error.message : String(error), error: true });
        }
      },
    });
  return (
    <section>
      <h2>Control</h2>
      <div class="row">
        {MODES.map(({ mode, label, detail }) => (
          <button key={mode} class="danger" data-mode-button={mode} disabled={state.signal.mode === mode} onClick={() => act(`Switch to ${label.toLowerCase()}?`, detail, label, '/api/signal/mode', { mode })}>
            {label}
          </button>
        ))}
        <button disabled={state.signal.mode !== 'manual'} onClick={() => act('Advance one phase?', 'The controller ends the current green once its minimum has run, then times the clearance.', 'Step', '/api/signal/step', {})}>
          Step
        </button>
        {state.monitor.latched && (
          <button class="danger" onClick={() => act('Reset the conflict monitor?', 'Only after the cause is found and fixed: the monitor refuses while the fault is still present.', 'Reset monitor', '/api/monitor/reset', {})}>
            Reset monitor
          </button>
        )}
      </div>
      {message && <p class={message.error ? 'error' : 'ok'} role="status">{message.text}</p>}
    </section>
  );
}
