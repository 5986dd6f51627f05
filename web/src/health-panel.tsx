import type { LiveState } from './types.js';

export function HealthPanel({ state }: { state: LiveState }) {
  const { health, cameras, node } = state;
  const rows: Array<[string, string]> = [
    ['link', `${health.link}${health.reconnects > 0 ? ` (${health.reconnects} reconnects)` : ''}`],
    ['backlog', `${health.backlog} messages${health.droppedMessages > 0 ? `, ${health.droppedMessages} dropped` : ''}`],
    ['CPU', `${health.cpuPercent}% of a core, load ${health.load1PerCpu}/CPU`],
    ['temperature', health.tempC === null ? 'not reported' : `${health.tempC.toFixed(1)} °C`],
    ['memory', `${Math.round(health.rssBytes / 1048576)} MiB`],
    ...cameras.map((camera): [string, string] => [`camera ${camera.id}`, `${camera.fps} fps, ${camera.dropped} dropped by vision, ${camera.sourceDropped} by the source`]),
    ['node', `${node.id}@${node.site} boot ${node.boot}, v${node.version}, config ${node.configHash}`],
  ];
  return (
    <section>
      <h2>Health</h2>
      <table data-health>
        <tbody>
          {rows.map(([name, value]) => (
            <tr key={name}><td class="muted">{name}</td><td data-field={name}>{value}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
