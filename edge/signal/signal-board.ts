import type { SignalAspect } from '../../protocol/index.js';

/**
 * The aspects the controller shows now, per signal group, for parts built before the controller that
 * need to follow it: the simulator's camera scene (its vehicles obey the node's own signal) and,
 * later, the technician's page. The node writes it on every signal change; readers only look.
 */
export class SignalBoard {
  private aspects: Readonly<Record<string, SignalAspect>> = {};

  set(aspects: Readonly<Record<string, SignalAspect>>): void {
    this.aspects = aspects;
  }

  /** The group's aspect, or null before the controller has shown one. */
  aspect(group: string): SignalAspect | null {
    return this.aspects[group] ?? null;
  }
}
