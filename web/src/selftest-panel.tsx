import { useEffect, useState } from 'preact/hooks';
import { detailWithFigures, STATUS_TEXT, verdictLine } from '../../edge/selftest/format-table.js';
import { ApiError, getJson, postJson } from './api.js';
import type { Confirmation } from './confirm-dialog.js';
import type { CheckRow, LiveState, SelftestStatus } from './types.js';

/**
 * The commissioning self-test on the running node: started behind the confirmation dialog, followed
 * check by check, with the rows, words and verdict of `nutgiao selftest` (the same formatting code).
 */
export function SelftestPanel({ state, confirm }: { state: LiveState; confirm: (confirmation: Confirmation) => void }) {
  const [status, setStatus] = useState<SelftestStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { running, done, lastStartedAt } = state.selftest;

  useEffect(() => {
    getJson<SelftestStatus>('/api/selftest').then(setStatus, (failure: Error) => setError(failure.message));
  }, [running, done, lastStartedAt]);

  const start = () =>
    confirm({
      title: 'Run the self-test?',
      detail: `The intersection goes to flash at the controller's next safe point (minimum green and clearances are timed out), the flash-transfer relay is released while each lamp is lit in turn, then the controller returns to ${state.signal.mode}. Cameras, broker, disk and outbox are checked too.`,
      action: 'Run self-test',
      run: async () => {
        setError(null);
        try {
          await postJson('/api/selftest/run', { confirm: true });
        } catch (failure) {
          setError(failure instanceof ApiError ? failure.message : String(failure));
        }
      },
    });

  const progress = status?.running ?? null;
  const last = status?.last ?? null;
  const rows = progress ? progress.rows : (last?.report.rows ?? []);
  return (
    <section data-selftest>
      <h2>Self-test</h2>
      <div class="row">
        <button class="danger" data-selftest-run disabled={running} onClick={start}>
          Run self-test
        </button>
        {progress && (
          <span data-selftest-progress>
            <progress max={progress.total} value={progress.done} /> {progress.done}/{progress.total}: {state.selftest.step ?? 'finishing'}
          </span>
        )}
      </div>
      {error && <p class="error" role="status">{error}</p>}
      {rows.length > 0 && <SelftestTable rows={rows} />}
      {!progress && last && (
        <p data-selftest-verdict class={last.report.passed ? 'ok' : 'error'}>
          {verdictLine(last.report)}
          <span class="muted">
            {' '}
            (started {new Date(last.report.startedAt).toLocaleString()} by {last.by}; {last.published ? 'published as selftest.result' : 'not published: no broker acknowledgement'})
          </span>
        </p>
      )}
      {!progress && !last && <p class="muted">No self-test run yet on this node.</p>}
    </section>
  );
}

function SelftestTable({ rows }: { rows: readonly CheckRow[] }) {
  return (
    <table class="selftest">
      <thead>
        <tr><th>check</th><th>status</th><th>detail</th></tr>
      </thead>
      <tbody>
        {rows.map((entry, index) => (
          <tr key={`${entry.check}-${index}`} data-check={entry.check} data-status={entry.status}>
            <td>{entry.check}</td>
            <td class={`status ${entry.status}`}>{STATUS_TEXT[entry.status]}</td>
            <td>{detailWithFigures(entry)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
