import type { ControllerEvent } from '../signal/controller/index.js';
import type { MonitorEvent } from '../signal/monitor/conflict-monitor.js';

import type { LoggedEvent } from './page-protocol.js';

export type { LoggedEvent } from './page-protocol.js';

/** The last events worth a technician's glance: a bounded ring, newest last. */
export class EventLog {
  private readonly entries: LoggedEvent[] = [];

  constructor(
    private readonly capacity = 50,
    private readonly now: () => number = Date.now,
  ) {}

  add(severity: LoggedEvent['severity'], type: string, message: string): void {
    this.entries.push({ at: this.now(), severity, type, message });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  recent(): readonly LoggedEvent[] {
    return this.entries;
  }

  /** Controller changes a person follows; intervals are left to the phase timeline. */
  controllerEvent(event: ControllerEvent): void {
    switch (event.type) {
      case 'mode':
        return this.add('warning', 'signal.mode', `mode ${event.previous} -> ${event.mode}`);
      case 'phase':
        return this.add('info', 'signal.phase', `phase ${event.phase}${event.previous ? ` (after ${event.previous})` : ''}`);
      case 'green-end':
        return this.add('info', 'signal.green-end', `phase ${event.phase} green ended (${event.reason}) after ${(event.greenMs / 1000).toFixed(1)} s`);
      case 'preempt-start':
        return this.add('warning', 'signal.preempt', `preemption: moving to phase ${event.phase}`);
      case 'preempt-end':
        return this.add('info', 'signal.preempt', 'preemption ended');
      case 'plan':
        return this.add('info', 'signal.plan', `timing plan ${event.previous ?? 'default'} -> ${event.plan ?? 'default'}`);
      default:
        return;
    }
  }

  monitorEvent(event: MonitorEvent): void {
    const { fault } = event;
    if (event.type === 'reset') return this.add('warning', 'monitor.reset', `conflict monitor reset by ${event.by} (was ${fault.kind})`);
    this.add('critical', `monitor.${event.type}`, `conflict monitor ${event.type}: ${fault.kind} (${fault.detail})`);
  }
}
