import type { SceneOptions } from './scene-types.js';

/**
 * Named scenes for the vision benchmark, light to saturated traffic, each with noise, shadows or not,
 * lighting changes and injected safety events. Every preset queues at red (the default fixed-time signal
 * has a red in every minute). Events are spread over durationSeconds; render at least that long.
 */
export const SCENE_PRESETS: Readonly<Record<string, SceneOptions>> = {
  'light-clear': {
    seed: 101,
    trafficLevel: 'light',
    lanes: { inbound: 2, outbound: true },
    effects: { noise: 2, illuminationDrift: 0.04, shadows: true },
    safety: { redLightRunners: 1, wrongWay: 1 },
    durationSeconds: 120,
  },
  'light-cloudy-rain': {
    seed: 102,
    trafficLevel: 'light',
    lanes: { inbound: 3, outbound: true },
    effects: { noise: 4, illuminationDrift: 0.06, suddenLightChange: { atSeconds: [25, 70], factor: 0.7 }, rain: 0.6 },
    safety: { illegalStops: 1, wrongWay: 1 },
    durationSeconds: 120,
  },
  'medium-sunny-shadows': {
    seed: 103,
    trafficLevel: 'medium',
    lanes: { inbound: 2, outbound: true },
    effects: { noise: 3, illuminationDrift: 0.05, shadows: true },
    safety: { redLightRunners: 2, illegalStops: 1 },
    durationSeconds: 120,
  },
  'medium-cloud-passes': {
    seed: 104,
    trafficLevel: 'medium',
    lanes: { inbound: 3, outbound: true },
    effects: { noise: 3, illuminationDrift: 0.05, suddenLightChange: { atSeconds: [40, 55, 95], factor: 0.65 }, shadows: true },
    safety: { redLightRunners: 1, wrongWay: 1, illegalStops: 1 },
    durationSeconds: 120,
  },
  'medium-rain-no-outbound': {
    seed: 105,
    trafficLevel: 'medium',
    lanes: { inbound: 2, outbound: false },
    effects: { noise: 5, illuminationDrift: 0.08, rain: 0.8 },
    safety: { redLightRunners: 1, wrongWay: 1 },
    durationSeconds: 120,
  },
  'heavy-sunny': {
    seed: 106,
    trafficLevel: 'heavy',
    lanes: { inbound: 3, outbound: true },
    effects: { noise: 3, illuminationDrift: 0.05, shadows: true, suddenLightChange: { atSeconds: [80], factor: 1.25 } },
    safety: { redLightRunners: 2, illegalStops: 1, wrongWay: 1 },
    durationSeconds: 120,
  },
  'heavy-dusk-noise': {
    seed: 107,
    trafficLevel: 'heavy',
    lanes: { inbound: 2, outbound: true },
    effects: { noise: 7, illuminationDrift: 0.1, suddenLightChange: { atSeconds: [60], factor: 0.75 } },
    safety: { redLightRunners: 1, wrongWay: 1, illegalStops: 1 },
    durationSeconds: 120,
  },
  'heavy-rain-shadows': {
    seed: 108,
    trafficLevel: 'heavy',
    lanes: { inbound: 3, outbound: true },
    effects: { noise: 4, illuminationDrift: 0.06, shadows: true, rain: 0.5, suddenLightChange: { atSeconds: [30, 50], factor: 0.7 } },
    safety: { illegalStops: 1, redLightRunners: 1 },
    durationSeconds: 120,
  },
  'saturated-peak': {
    seed: 109,
    trafficLevel: 'saturated',
    lanes: { inbound: 3, outbound: true },
    effects: { noise: 3, illuminationDrift: 0.05, shadows: true },
    safety: { redLightRunners: 1, wrongWay: 1, illegalStops: 1 },
    durationSeconds: 120,
  },
  'saturated-storm': {
    seed: 110,
    trafficLevel: 'saturated',
    lanes: { inbound: 2, outbound: true },
    effects: { noise: 6, illuminationDrift: 0.08, suddenLightChange: { atSeconds: [20, 45, 90], factor: 0.6 }, rain: 1 },
    safety: { redLightRunners: 1, wrongWay: 1, illegalStops: 1 },
    durationSeconds: 120,
  },
  'medium-long-mixed': {
    seed: 111,
    trafficLevel: 'medium',
    lanes: { inbound: 3, outbound: true },
    effects: { noise: 4, illuminationDrift: 0.08, shadows: true, rain: 0.4, suddenLightChange: { atSeconds: [100, 130], factor: 0.7 } },
    safety: { redLightRunners: 2, wrongWay: 2, illegalStops: 2 },
    durationSeconds: 180,
  },
};
