/**
 * A frame's capture time (ms) and index, handed between the per-frame stages in a Float64Array rather than
 * as arguments: in optimised code a fractional float passed to a call that is not inlined is boxed, a new
 * heap number (garbage) every frame. Integer values such as the index would pass as small integers, but
 * travel with the time for one place to write them.
 */
export type FrameClock = Float64Array;

export const FRAME_TS = 0;
export const FRAME_INDEX = 1;

export function createFrameClock(): FrameClock {
  return new Float64Array(2);
}

/** Sets the clock to a frame (for callers holding the time as a number). */
export function setFrameClock(clock: FrameClock, tsMs: number, frameIndex: number): FrameClock {
  clock[FRAME_TS] = tsMs;
  clock[FRAME_INDEX] = frameIndex;
  return clock;
}
