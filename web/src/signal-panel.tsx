import { useEffect, useRef } from 'preact/hooks';
import type { LiveState, PageConfig } from './types.js';

/** Seconds of history the phase timeline shows. */
export const TIMELINE_S = 120;

export interface AspectSample { at: number; aspects: Record<string, string> }

const LAMPS: Record<string, { lamps: string[]; lit: Record<string, string[]> }> = {
  vehicle: { lamps: ['red', 'amber', 'green'], lit: { red: ['red'], amber: ['amber'], green: ['green'], 'flashing-amber': ['amber'], 'flashing-red': ['red'] } },
  pedestrian: { lamps: ['dontwalk', 'walk'], lit: { 'dont-walk': ['dontwalk'], walk: ['walk'], 'flashing-dont-walk': ['dontwalk'] } },
};

const COLOURS: Record<string, string> = {
  red: '#e33', amber: '#fa0', green: '#3c3', 'flashing-amber': '#a70', 'flashing-red': '#a22',
  walk: '#eee', 'dont-walk': '#e63', 'flashing-dont-walk': '#a42', dark: '#333',
};

function Head({ id, kind, aspect }: { id: string; kind: 'vehicle' | 'pedestrian'; aspect: string }) {
  const layout = LAMPS[kind]!;
  const lit = layout.lit[aspect] ?? [];
  const blinking = aspect.startsWith('flashing');
  return (
    <div class="head" data-group={id} data-aspect={aspect} title={`${id}: ${aspect}`}>
      {layout.lamps.map((lamp) => <span key={lamp} class={`lamp${lit.includes(lamp) ? ` ${lamp}` : ''}${blinking && lit.includes(lamp) ? ' blink' : ''}`} />)}
      <span>{id}</span>
    </div>
  );
}

function Timeline({ groups, samples }: { groups: string[]; samples: AspectSample[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context) return;
    const rowHeight = 12;
    const labelWidth = 34;
    element.width = 600;
    element.height = groups.length * rowHeight;
    context.clearRect(0, 0, element.width, element.height);
    const newest = samples[samples.length - 1]?.at ?? 0;
    const x = (at: number) => labelWidth + ((at - (newest - TIMELINE_S * 1000)) / (TIMELINE_S * 1000)) * (element.width - labelWidth);
    context.font = '10px system-ui, sans-serif';
    groups.forEach((group, row) => {
      context.fillStyle = '#aaa';
      context.fillText(group, 2, row * rowHeight + 10);
      for (let i = 0; i < samples.length; i++) {
        const sample = samples[i]!;
        const end = samples[i + 1]?.at ?? sample.at + 500;
        context.fillStyle = COLOURS[sample.aspects[group] ?? 'dark'] ?? '#333';
        context.fillRect(x(sample.at), row * rowHeight + 1, Math.max(1, x(end) - x(sample.at)), rowHeight - 2);
      }
    });
  }, [samples, groups]);
  return <canvas class="timeline" ref={canvas} aria-label={`phase timeline, last ${TIMELINE_S} s`} />;
}

export function SignalPanel({ config, state, samples }: { config: PageConfig; state: LiveState; samples: AspectSample[] }) {
  const { signal, monitor } = state;
  return (
    <section>
      <h2>Signal</h2>
      <div class="row">
        <span class={`badge ${signal.mode}`} data-mode={signal.mode}>{signal.mode}</span>
        <span>phase <b data-phase>{signal.phase ?? '—'}</b> ({signal.interval ?? '—'})</span>
        {signal.plan && <span class="muted">plan {signal.plan}</span>}
        <span class={`badge${monitor.latched ? ' latched' : ''}`}>monitor {monitor.latched ? `LATCHED: ${monitor.fault?.kind}` : 'ok'}</span>
      </div>
      {monitor.fault && <p class="error">{monitor.fault.detail}</p>}
      <div class="heads">
        {config.signal.groups.map((group) => <Head key={group.id} id={group.id} kind={group.kind} aspect={signal.aspects[group.id] ?? 'dark'} />)}
      </div>
      <Timeline groups={config.signal.groups.map((group) => group.id)} samples={samples} />
      {signal.calls.length > 0 && <p class="muted">calls: {signal.calls.join(', ')}</p>}
    </section>
  );
}
