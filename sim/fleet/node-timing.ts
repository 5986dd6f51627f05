/**
 * How often a fleet node publishes each stream. By default the node's own defaults: health every
 * telemetry.healthIntervalS, counts every camera's countPeriodS, a signal message per step of the plan,
 * and a few traffic-safety events an hour. `--rate R` scales all of them together so a node sends R
 * messages per second in the same mix.
 */
import type { Config } from '../../edge/config/index.js';
import { APPROACHES } from './arrival-counts.js';
import { cycleLengthMs, cycleSteps } from './fixed-time-plan.js';

/** Red-light runners and the like reported by one intersection, per hour. */
const SAFETY_EVENTS_PER_HOUR = 2;

export interface NodeTiming {
  healthIntervalMs: number;
  countPeriodMs: number;
  /** Multiplies every signal step's duration (1 at the default rate). */
  signalTimeScale: number;
  safetyEventsPerHour: number;
  /** Messages per second of one node, by stream. */
  perSecond: { signal: number; counts: number; health: number; events: number; total: number };
}

export function nodeTiming(config: Config, messagesPerNodePerS?: number): NodeTiming {
  const steps = cycleSteps(config.signal);
  const countPeriodS = config.cameras[0]?.countPeriodS ?? 60;
  const base = {
    signal: steps.length / (cycleLengthMs(steps) / 1000),
    counts: APPROACHES.length / countPeriodS,
    health: 1 / config.telemetry.healthIntervalS,
    events: SAFETY_EVENTS_PER_HOUR / 3600,
  };
  const baseTotal = base.signal + base.counts + base.health + base.events;
  const factor = messagesPerNodePerS === undefined ? 1 : messagesPerNodePerS / baseTotal;
  return {
    healthIntervalMs: (config.telemetry.healthIntervalS * 1000) / factor,
    countPeriodMs: (countPeriodS * 1000) / factor,
    signalTimeScale: 1 / factor,
    safetyEventsPerHour: SAFETY_EVENTS_PER_HOUR * factor,
    perSecond: {
      signal: base.signal * factor,
      counts: base.counts * factor,
      health: base.health * factor,
      events: base.events * factor,
      total: baseTotal * factor,
    },
  };
}
