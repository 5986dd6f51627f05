/** The public vocabulary of the rendered approach scene: options, geometry the pipeline counts on, truth. */

export type SignalState = 'green' | 'amber' | 'red';
export type TrafficLevel = 'light' | 'medium' | 'heavy' | 'saturated';
export type VehicleKind = 'motorbike' | 'car' | 'van' | 'bus' | 'truck';
export type CrossingDirection = 'lr' | 'rl';

export interface Point {
  x: number;
  y: number;
}

/** A directed segment A→B in image pixels (y down); see line-side.ts for the direction convention. */
export interface CountLine {
  readonly name: string;
  readonly a: Point;
  readonly b: Point;
}

export interface SceneZone {
  readonly name: string;
  readonly points: readonly Point[];
  /** The lane a queue zone belongs to; null for zones across several lanes (no-stopping). */
  readonly lane: string | null;
}

/** A lane's polygon and its expected travel: inbound lanes run down the image, the outbound lane up. */
export interface LaneDirection {
  readonly lane: string;
  readonly points: readonly Point[];
  readonly travel: 'down' | 'up';
  /** Unit vector of travel in image pixels along the lane centre at the count line. */
  readonly direction: Point;
}

export interface SceneEffects {
  /** Sensor noise, Gaussian sigma in gray levels. 0 = off. */
  noise?: number;
  /** Slow sinusoidal brightness drift, relative amplitude (0.1 = ±10 %, period of minutes). 0 = off. */
  illuminationDrift?: number;
  /** At each listed second the global brightness steps between 1 and factor (a cloud arrives, leaves). */
  suddenLightChange?: { atSeconds: readonly number[]; factor: number };
  /** Each vehicle casts a darker ground shadow; the sun direction is fixed per scene (from the seed). */
  shadows?: boolean;
  /** Rain streaks during seeded showers; 0..1 intensity. 0 = off. */
  rain?: number;
}

/** How many behaviours of each kind to inject, spread over SceneOptions.durationSeconds. */
export interface SafetyInjection {
  /** Vehicles that do not stop at red (picked once red is 1 s old, so they cross after the 0.5 s grace). */
  redLightRunners?: number;
  /** Motorbikes riding up the inbound lane by the centre line, against traffic, from the bottom of the image. */
  wrongWay?: number;
  /** Kerb-lane vehicles that stop in the box junction past the stop line for 13–20 s. */
  illegalStops?: number;
  /** Standing still in the no-stopping zone for longer than this is an illegal stop (s). Default 10. */
  illegalStopSeconds?: number;
}

export interface SceneOptions {
  seed: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Inbound lanes (2 or 3) and whether an outbound lane (traffic going up the image) is shown. */
  lanes?: { inbound: 2 | 3; outbound: boolean };
  trafficLevel?: TrafficLevel;
  effects?: SceneEffects;
  /** The approach's signal at a time since frame 0 (ms). Default: fixed time 30 s green, 3 s amber, 27 s red. */
  signal?: (tMs: number) => SignalState;
  safety?: SafetyInjection;
  /** The span injected safety events are spread over (s). Default 120. */
  durationSeconds?: number;
}

/** A vehicle's body (no shadow) as painted, clipped to the image: inclusive pixel bounds and centre. */
export interface VehicleBox {
  vehicleId: number;
  kind: VehicleKind;
  /** Lane name at this frame ('in-0' kerb side … 'out'); a turning vehicle keeps its approach lane. */
  lane: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** (x0 + x1) / 2 and (y0 + y1) / 2: the point whose side of a count line decides a crossing. */
  centerX: number;
  centerY: number;
}

export interface TruthCrossing {
  vehicleId: number;
  line: string;
  direction: CrossingDirection;
  /** First frame in which the box centre is strictly on the other side. */
  frame: number;
}

export type SafetyKind = 'red-light' | 'wrong-way' | 'illegal-stop';

export interface TruthSafetyEvent {
  kind: SafetyKind;
  vehicleId: number;
  frame: number;
  line?: string;
  zone?: string;
}

export interface TruthVehicle {
  id: number;
  kind: VehicleKind;
  /** First frame with any pixel of the body in the image. */
  enterFrame: number;
  /** Last frame with any pixel in the image; null while still visible or not yet gone. */
  exitFrame: number | null;
}

export interface SceneTruth {
  crossings: TruthCrossing[];
  safety: TruthSafetyEvent[];
  vehicles: TruthVehicle[];
}

export type LineCounts = Record<string, { lr: number; rl: number; total: number }>;
