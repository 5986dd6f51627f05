/** The phase controller: a pure core (ControllerCore) and its adapter to the lamps and inputs (PhaseController). */
export { grantsRightOfWay, type Aspect, type GroupAspects, type PedestrianAspect, type VehicleAspect } from './aspects.js';
export { ControllerCore, type ControllerSnapshot, type StepResult } from './controller-core.js';
export { CONTROLLER_MODES, ControllerEventHub, type ControllerEvent, type ControllerEventType, type ControllerMode, type GreenEndReason, type IntervalKind } from './controller-events.js';
export type { CycleSummary } from './cycle-summary.js';
export { PhaseController, type PhaseControllerOptions } from './phase-controller.js';
export { SafetyObserver, type SafetyViolation, type SafetyViolationKind, type ViolationCounts } from './safety-observer.js';
