/** What the controller commands each signal group to show. */
export type VehicleAspect = 'red' | 'yellow' | 'green' | 'flashing-amber' | 'flashing-red' | 'dark';
/** 'ped-clear' is the flashing don't walk of the pedestrian clearance. */
export type PedestrianAspect = 'dont-walk' | 'walk' | 'ped-clear' | 'dark';
export type Aspect = VehicleAspect | PedestrianAspect;

export type GroupKind = 'vehicle' | 'pedestrian';

/** Aspect per group id. */
export type GroupAspects = Record<string, Aspect>;

/**
 * An aspect that gives right of way or ends it: two conflicting groups must never both show one.
 * Flashing aspects are excluded: in flash every approach yields or stops by rule, not by the signal.
 */
export function grantsRightOfWay(aspect: Aspect): boolean {
  return aspect === 'green' || aspect === 'yellow' || aspect === 'walk' || aspect === 'ped-clear';
}

/** The steady stop aspect of a group of this kind. */
export function stopAspect(kind: GroupKind): Aspect {
  return kind === 'vehicle' ? 'red' : 'dont-walk';
}
