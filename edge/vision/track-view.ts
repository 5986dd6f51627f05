/**
 * The part of the tracker's state that the zone and safety monitors read: a struct of arrays indexed by
 * track slot. `Tracker` satisfies it structurally; tests use a small table of typed arrays instead.
 * Positions, sizes and velocities are in working pixels (velocity per ms).
 */
export interface TrackView {
  readonly capacity: number;
  isActive(t: number): boolean;
  readonly id: Int32Array;
  /** Box centre. */
  readonly cx: Float64Array;
  readonly cy: Float64Array;
  /** Box size. */
  readonly w: Float64Array;
  readonly h: Float64Array;
  /** Velocity, working pixels per ms. */
  readonly vx: Float64Array;
  readonly vy: Float64Array;
  /** 1 when the track was seen this frame (not coasting on its prediction). */
  readonly observed: Uint8Array;
  /** 1 when its position this frame came from a blob of its own, not placed inside a merged blob. */
  readonly measured: Uint8Array;
  /** Detections so far; a track is confirmed at `confirmHits` (noise births never reach it). */
  readonly hits: Int32Array;
}
