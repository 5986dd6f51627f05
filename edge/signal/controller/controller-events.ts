import type { CycleSummary } from './cycle-summary.js';

/** What the node runs the intersection in; set by the operator (MQTT command, technician page). */
export type ControllerMode = 'normal' | 'flash' | 'all-red' | 'manual';
export const CONTROLLER_MODES: readonly ControllerMode[] = ['normal', 'flash', 'all-red', 'manual'];

/** The interval the controller is timing. */
export type IntervalKind = 'startup-flash' | 'startup-all-red' | 'green' | 'yellow' | 'red-clearance' | 'flash' | 'all-red';

/** Why a green ended. `preempt` may cut the green short (never a clearance); the others respect minGreen. */
export type GreenEndReason = 'gap-out' | 'max-out' | 'fixed' | 'step' | 'mode' | 'preempt' | 'preempt-exit';

/** Every state change of the controller; atMs is on the controller's monotonic clock. */
export type ControllerEvent =
  | { type: 'phase'; atMs: number; phase: string; previous: string | null; plan: string | null }
  | { type: 'interval'; atMs: number; interval: IntervalKind; phase: string | null }
  | { type: 'green-end'; atMs: number; phase: string; reason: GreenEndReason; greenMs: number }
  | { type: 'gap-out'; atMs: number; phase: string }
  | { type: 'max-out'; atMs: number; phase: string }
  | { type: 'mode'; atMs: number; mode: ControllerMode; previous: ControllerMode }
  | { type: 'plan'; atMs: number; plan: string | null; previous: string | null }
  | { type: 'preempt-start'; atMs: number; phase: string }
  | { type: 'preempt-end'; atMs: number; exitPhase: string | null }
  | { type: 'ped-service'; atMs: number; phase: string; groups: readonly string[] }
  | { type: 'red-monitoring'; atMs: number; enabled: boolean }
  | { type: 'cycle'; atMs: number; summary: CycleSummary };

export type ControllerEventType = ControllerEvent['type'];
export type ControllerListener = (event: ControllerEvent) => void;

/** A tiny typed listener list: the core stays free of Node's EventEmitter and its error semantics. */
export class ControllerEventHub {
  private readonly listeners = new Set<ControllerListener>();

  /** Registers a listener for every event; returns a remover. */
  on(listener: ControllerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registers a listener for one event type; returns a remover. */
  onType<T extends ControllerEventType>(type: T, listener: (event: Extract<ControllerEvent, { type: T }>) => void): () => void {
    return this.on((event) => {
      if (event.type === type) listener(event as Extract<ControllerEvent, { type: T }>);
    });
  }

  emit(event: ControllerEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
