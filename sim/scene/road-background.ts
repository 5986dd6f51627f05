import { type CameraGeometry, LANE_WIDTH_M, SIDEWALK_M } from './camera-geometry.js';

const ASPHALT = 104;
const MARKING = 205;
const CENTRE_LINE = 178;
const KERB = 172;
const SIDEWALK = 132;
const VERGE = 64;
/** Dashes of the lane dividers (m): painted length and period; solid near the stop line. */
const DASH_M = 3;
const DASH_PERIOD_M = 9;
const SOLID_APPROACH_M = 18;
const LINE_HALF_WIDTH_M = 0.08;
const STOP_LINE_HALF_WIDTH_M = 0.2;
const HATCH_PERIOD_M = 2.4;
/** How far past the stop line the box junction (no-stopping zone) reaches (m). */
export const BOX_JUNCTION_DEPTH_M = 6.5;
/** Sub-samples per pixel side for the one-off background render (anti-aliased markings). */
const SUPERSAMPLE = 2;

/**
 * The static picture the camera sees with no traffic: textured asphalt with darker wheel tracks and
 * repairs, lane markings, stop line, box junction, kerbs, sidewalks, tree shade, and buildings under a
 * bright sky above the horizon. Rendered once per scene; texture is seeded and fixed to the road so it
 * shows perspective.
 */
export function renderRoadBackground(geometry: CameraGeometry, seed: number): Uint8Array {
  const { width, height } = geometry;
  const image = new Uint8Array(width * height);
  const skyline = makeSkyline(width, geometry.horizonY, seed);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const px = x + (sx + 0.5) / SUPERSAMPLE;
          const py = y + (sy + 0.5) / SUPERSAMPLE;
          sum += py <= geometry.horizonY + 0.5 ? skyValue(px, py, skyline, geometry.horizonY, seed) : groundValue(geometry, px, py, seed);
        }
      }
      // Fine grain of the sensor's view of the surface: fixed per pixel, so it is background, not noise.
      const grain = (hash2(x, y, seed ^ 0x9e37) - 0.5) * 8;
      image[y * width + x] = clampByte(sum / (SUPERSAMPLE * SUPERSAMPLE) + grain);
    }
  }
  return image;
}

function groundValue(g: CameraGeometry, px: number, py: number, seed: number): number {
  const z = g.groundZAtRow(py);
  const x = ((px - g.centerX) * z) / g.focal;
  let value: number;
  if (x >= g.leftKerbX && x <= g.rightKerbX) value = roadValue(g, x, z, seed);
  else if (x > g.leftKerbX - 0.3 && x < g.rightKerbX + 0.3) value = KERB - (Math.floor(z) % 2) * 14;
  else if (x > g.leftKerbX - SIDEWALK_M && x < g.rightKerbX + SIDEWALK_M) {
    const tile = fract(x) < 0.06 || fract(z) < 0.06;
    value = SIDEWALK + (tile ? -18 : 0) + (smoothNoise(x * 2, z * 2, seed ^ 0x51de) - 0.5) * 14;
  } else {
    value = VERGE + (smoothNoise(x * 0.8, z * 0.5, seed ^ 0x6a55) - 0.5) * 40;
  }
  // Tree shade over the left sidewalk and the kerb lane: static, like the shadows in real footage.
  if (x < g.leftKerbX + 2.2 && smoothNoise(x * 0.45, z * 0.12, seed ^ 0x7ee5) > 0.62) value *= 0.62;
  return value;
}

function roadValue(g: CameraGeometry, x: number, z: number, seed: number): number {
  let value = ASPHALT + (smoothNoise(x * 0.6, z * 0.25, seed) - 0.5) * 22 + (smoothNoise(x * 3, z * 1.5, seed ^ 0x1234) - 0.5) * 10;
  // Darker wheel tracks in each lane and rectangular repairs.
  const inLane = fract((x - g.leftKerbX) / LANE_WIDTH_M) * LANE_WIDTH_M;
  if (Math.abs(inLane - 0.9) < 0.35 || Math.abs(inLane - 2.6) < 0.35) value -= 7;
  if (hash2(Math.floor(x / 2.5), Math.floor(z / 7), seed ^ 0xbeef) > 0.93) value += 12;

  const stopZ = g.stopZ;
  const inbound = x < g.medianX;
  // Edge lines along both kerbs.
  if (x - g.leftKerbX < 0.25 && x - g.leftKerbX > 0.1) return MARKING;
  if (g.rightKerbX - x < 0.25 && g.rightKerbX - x > 0.1) return MARKING;
  // Double centre line between inbound and outbound.
  if (g.hasOutbound && Math.abs(Math.abs(x - g.medianX) - 0.12) < LINE_HALF_WIDTH_M) return CENTRE_LINE;
  // Lane dividers between inbound lanes: solid on the last metres before the stop line, dashed before.
  for (let lane = 1; lane < g.inboundLanes; lane++) {
    if (Math.abs(x - g.laneLeftX(lane)) < LINE_HALF_WIDTH_M && z > stopZ) {
      if (z < stopZ + SOLID_APPROACH_M || fract(z / DASH_PERIOD_M) < DASH_M / DASH_PERIOD_M) return MARKING;
    }
  }
  if (inbound && Math.abs(z - stopZ) < STOP_LINE_HALF_WIDTH_M) return MARKING;
  // Box junction: a border and diagonal hatching past the stop line.
  if (inbound && z < stopZ - 0.4 && z > stopZ - BOX_JUNCTION_DEPTH_M) {
    const border = x - g.leftKerbX < 0.45 || g.medianX - x < 0.2 || z - (stopZ - BOX_JUNCTION_DEPTH_M) < 0.15;
    const hatch = fract((x + z) / HATCH_PERIOD_M) < 0.06 || fract((x - z) / HATCH_PERIOD_M) < 0.06;
    if (border || hatch) return CENTRE_LINE;
  }
  // Straight-ahead arrows in each inbound lane, a few metres upstream of the stop line.
  if (inbound && z > stopZ + 6 && z < stopZ + 11) {
    const inLaneCentre = Math.abs(inLane - LANE_WIDTH_M / 2);
    const along = z - (stopZ + 6);
    if ((along < 2 && inLaneCentre < 0.15 + 0.35 * (1 - along / 2)) || (along >= 2 && inLaneCentre < 0.12)) return MARKING - 15;
  }
  return value;
}

interface Building {
  right: number;
  top: number;
  tone: number;
}

/** Blocks of buildings along the horizon, seeded. */
function makeSkyline(width: number, horizonY: number, seed: number): Building[] {
  const buildings: Building[] = [];
  let x = 0;
  let k = 0;
  while (x < width) {
    const w = width * (0.04 + 0.08 * hash2(k, 1, seed ^ 0x5a7));
    x += w;
    buildings.push({ right: x, top: horizonY * (0.15 + 0.75 * hash2(k, 2, seed ^ 0x5a7)), tone: 70 + 80 * hash2(k, 3, seed ^ 0x5a7) });
    k++;
  }
  return buildings;
}

function skyValue(px: number, py: number, skyline: Building[], horizonY: number, seed: number): number {
  for (const building of skyline) {
    if (px < building.right) {
      if (py < building.top) break;
      const window = fract(px / 4) < 0.45 && fract((py - building.top) / 5) < 0.5 && hash2(Math.floor(px / 4), Math.floor(py / 5), seed) > 0.4;
      return building.tone + (window ? -30 : 0) + ((py - building.top) / Math.max(1, horizonY)) * 10;
    }
  }
  return 205 - (py / Math.max(1, horizonY)) * 20;
}

/** A hash of two integers to [0, 1). */
export function hash2(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix | 0, 0x27d4eb2d) ^ Math.imul(iy | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x61c88647);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}

/** Value noise: bilinear between hashed lattice points with a smoothstep, in [0, 1). */
function smoothNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const top = hash2(ix, iy, seed) + (hash2(ix + 1, iy, seed) - hash2(ix, iy, seed)) * sx;
  const bottom = hash2(ix, iy + 1, seed) + (hash2(ix + 1, iy + 1, seed) - hash2(ix, iy + 1, seed)) * sx;
  return top + (bottom - top) * sy;
}

function fract(value: number): number {
  return value - Math.floor(value);
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}
