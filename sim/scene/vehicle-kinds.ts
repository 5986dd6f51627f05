import type { TrafficLevel, VehicleKind } from './scene-types.js';

/** Body size (m), driving style and how its near face is drawn. */
export interface VehicleKindSpec {
  readonly kind: VehicleKind;
  readonly length: number;
  readonly width: number;
  readonly height: number;
  /** Desired speed range (m/s). */
  readonly minSpeed: number;
  readonly maxSpeed: number;
  /** IDM maximum acceleration (m/s²) and jam distance (m). */
  readonly acceleration: number;
  readonly jamGap: number;
  /** Lateral wander within the lane (± m): motorbikes do not keep to the lane centre. */
  readonly lateralJitter: number;
  /** Glass band on the near face as fractions of the height (rider's torso for a motorbike). */
  readonly glassFrom: number;
  readonly glassTo: number;
}

export const VEHICLE_KINDS: Readonly<Record<VehicleKind, VehicleKindSpec>> = {
  motorbike: { kind: 'motorbike', length: 1.9, width: 0.75, height: 1.5, minSpeed: 7.5, maxSpeed: 11, acceleration: 2.5, jamGap: 1.2, lateralJitter: 0.6, glassFrom: 0.5, glassTo: 0.85 },
  car: { kind: 'car', length: 4.4, width: 1.8, height: 1.5, minSpeed: 8.5, maxSpeed: 12.5, acceleration: 2.0, jamGap: 2.0, lateralJitter: 0.25, glassFrom: 0.55, glassTo: 0.92 },
  van: { kind: 'van', length: 5.2, width: 2.0, height: 2.2, minSpeed: 8, maxSpeed: 11.5, acceleration: 1.6, jamGap: 2.0, lateralJitter: 0.2, glassFrom: 0.6, glassTo: 0.9 },
  bus: { kind: 'bus', length: 11, width: 2.5, height: 3.2, minSpeed: 7, maxSpeed: 9.5, acceleration: 1.1, jamGap: 2.5, lateralJitter: 0.1, glassFrom: 0.45, glassTo: 0.9 },
  truck: { kind: 'truck', length: 8, width: 2.4, height: 3.0, minSpeed: 7, maxSpeed: 10, acceleration: 1.1, jamGap: 2.5, lateralJitter: 0.1, glassFrom: 0.55, glassTo: 0.8 },
};

/** Kinds in the order of the mix tables below. */
export const KIND_ORDER: readonly VehicleKind[] = ['motorbike', 'car', 'van', 'bus', 'truck'];
/** Cumulative shares of motorbike, car, van, bus, truck among inbound vehicles. */
export const INBOUND_KIND_MIX: readonly number[] = [0.38, 0.76, 0.88, 0.94, 1];
/** Outbound vehicles appear from under the camera: only kinds short enough to enter from the bottom edge. */
export const OUTBOUND_KIND_MIX: readonly number[] = [0.45, 0.88, 1, 1, 1];

/** Mean arrivals per second per inbound lane, and on the outbound lane. */
export const ARRIVALS_PER_SECOND: Readonly<Record<TrafficLevel, { inbound: number; outbound: number }>> = {
  light: { inbound: 0.07, outbound: 0.05 },
  medium: { inbound: 0.16, outbound: 0.1 },
  heavy: { inbound: 0.28, outbound: 0.16 },
  saturated: { inbound: 0.5, outbound: 0.2 },
};

export function pickKind(cumulativeMix: readonly number[], u: number): VehicleKind {
  for (let i = 0; i < cumulativeMix.length; i++) if (u < cumulativeMix[i]!) return KIND_ORDER[i]!;
  return 'car';
}
