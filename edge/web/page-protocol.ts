/**
 * What the node sends the technician's page: the shapes of /api/config and the state stream. This file
 * imports nothing but the self-test's vocabulary (itself import-free), so the browser bundle (web/src,
 * built with DOM types only) type-checks against the very types the server fills.
 */

/** GET /api/selftest: the self-test's rows and result, the same types as `nutgiao selftest --json`. */
export type { CheckRow, CheckStatus, SelftestReport, SelftestStatus } from '../selftest/selftest-check.js';

export interface Point {
  x: number;
  y: number;
}

export interface CountLine {
  name: string;
  a: Point;
  b: Point;
}

export interface Zone {
  name: string;
  points: Point[];
  [other: string]: unknown;
}

/** GET /api/config: what the page draws and edits. */
export interface PageConfig {
  node: { id: string; site: string; name: string | null };
  canSave: boolean;
  cameras: Array<{ id: string; width: number; height: number; lines: CountLine[]; zones: Zone[]; running: boolean }>;
  signal: { groups: Array<{ id: string; kind: 'vehicle' | 'pedestrian'; name: string | null }>; phases: Array<{ id: string; groups: string[] }> };
}

export interface LoggedEvent {
  /** Wall-clock ms. */
  at: number;
  severity: 'info' | 'warning' | 'critical';
  type: string;
  message: string;
}

export interface CameraState {
  id: string;
  width: number;
  height: number;
  fps: number;
  processed: number;
  dropped: number;
  sourceDropped: number;
  msPerFrame: number;
  totals: Record<string, { lr: number; rl: number }>;
  tracks: Array<{ id: number; x: number; y: number; w: number; h: number }>;
  zones: Array<{ name: string; occupancy: number; present: boolean }>;
}

/** One message of the page's state stream: everything the live views draw, in source-image pixels. */
export interface LiveState {
  at: number;
  node: { id: string; site: string; boot: number; version: string; configHash: string };
  signal: {
    mode: string;
    aspects: Record<string, string>;
    phase: string | null;
    interval: string | null;
    plan: string | null;
    calls: string[];
    stepPending: boolean;
    remaining: Record<string, number | null> | null;
  };
  monitor: { latched: boolean; fault: { kind: string; detail: string; trippedAt: number } | null };
  cameras: CameraState[];
  health: {
    cpuPercent: number;
    load1PerCpu: number;
    tempC: number | null;
    rssBytes: number;
    link: string;
    reconnects: number;
    backlog: number;
    droppedMessages: number;
  };
  events: readonly LoggedEvent[];
  /** Enough for the page to know when to fetch /api/selftest again. */
  selftest: { running: boolean; step: string | null; done: number; total: number; lastStartedAt: number | null };
}
