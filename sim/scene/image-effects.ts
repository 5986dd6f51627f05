import { seededRandom } from '../seeded-random.js';
import { hash2 } from './road-background.js';
import type { SceneEffects } from './scene-types.js';

const NOISE_TABLE_BITS = 18;
const NOISE_MASK = (1 << NOISE_TABLE_BITS) - 1;
const DRIFT_PERIOD_MS = 150_000;
/** Under a cloud the light is diffuse: cast shadows fade to this fraction of their strength. */
const CLOUD_SHADOW_FACTOR = 0.35;
const SHADOW_DARKENING = 0.5;
/** Showers: time is cut into blocks of this length (ms); each rains or not, from the seed. */
const SHOWER_BLOCK_MS = 20_000;
const SHOWER_CHANCE = 0.55;
/** Streaks per frame at full intensity, for a 320×240 image (scaled by area). */
const STREAKS_AT_FULL = 90;

/**
 * What the optics and sensor add on top of the scene: a slow illumination drift, sudden brightness steps
 * (a cloud), shadows that fade under the cloud, rain streaks during seeded showers, and Gaussian sensor
 * noise. Everything per frame derives from (seed, frame index), never from earlier frames, and uses
 * lookup tables built once: the per-pixel pass is a table lookup and an add.
 */
export class ImageEffects {
  private readonly width: number;
  private readonly height: number;
  private readonly seed: number;
  private readonly drift: number;
  private readonly driftPhase: number;
  private readonly steps: readonly number[];
  private readonly stepFactor: number;
  private readonly rain: number;
  private readonly noise: Int16Array | null;
  private readonly gainTable = new Uint8Array(256);
  private readonly shadowTable = new Uint8Array(256);
  private gainOfTable = Number.NaN;
  private shadowOfTable = Number.NaN;
  private frameRandomState = 0;

  constructor(width: number, height: number, seed: number, effects: SceneEffects) {
    this.width = width;
    this.height = height;
    this.seed = seed;
    this.drift = effects.illuminationDrift ?? 0;
    this.driftPhase = hash2(seed, 11, 0x0d71f7) * Math.PI * 2;
    this.steps = [...(effects.suddenLightChange?.atSeconds ?? [])].sort((a, b) => a - b).map((s) => s * 1000);
    this.stepFactor = effects.suddenLightChange?.factor ?? 1;
    this.rain = effects.rain ?? 0;
    const sigma = effects.noise ?? 0;
    this.noise = sigma > 0 ? gaussianTable(sigma, seed) : null;
  }

  /** Global brightness factor at tMs: drift × (the step factor while an odd number of steps have passed). */
  gainAt(tMs: number): number {
    const drift = 1 + this.drift * Math.sin((2 * Math.PI * tMs) / DRIFT_PERIOD_MS + this.driftPhase);
    return drift * (this.underStep(tMs) ? this.stepFactor : 1);
  }

  private underStep(tMs: number): boolean {
    let passed = 0;
    for (const at of this.steps) if (tMs >= at) passed++;
    return passed % 2 === 1;
  }

  /** Lookup from background gray to shadowed gray at tMs. */
  shadowLookup(tMs: number): Uint8Array {
    const strength = SHADOW_DARKENING * (this.underStep(tMs) && this.stepFactor < 1 ? CLOUD_SHADOW_FACTOR : 1);
    if (strength !== this.shadowOfTable) {
      for (let v = 0; v < 256; v++) this.shadowTable[v] = Math.round(v * (1 - strength));
      this.shadowOfTable = strength;
    }
    return this.shadowTable;
  }

  isRaining(tMs: number): boolean {
    return this.rain > 0 && hash2(Math.floor(tMs / SHOWER_BLOCK_MS), 7, this.seed ^ 0x7a1) < SHOWER_CHANCE;
  }

  /** Rain streaks (during showers), then brightness and noise, in place. */
  apply(out: Uint8Array, frameIndex: number, tMs: number): void {
    this.frameRandomState = (Math.imul(frameIndex + 1, 0x9e3779b1) ^ Math.imul(this.seed, 0x85ebca6b)) >>> 0 || 1;
    if (this.isRaining(tMs)) this.drawRain(out);
    const gain = this.gainAt(tMs);
    if (gain !== this.gainOfTable) {
      for (let v = 0; v < 256; v++) this.gainTable[v] = Math.min(255, Math.round(v * gain));
      this.gainOfTable = gain;
    }
    const table = this.gainTable;
    const noise = this.noise;
    const length = this.width * this.height;
    if (noise === null) {
      for (let i = 0; i < length; i++) out[i] = table[out[i]!]!;
      return;
    }
    const offset = this.nextRandomInt() & NOISE_MASK;
    for (let i = 0; i < length; i++) {
      const value = table[out[i]!]! + noise[(offset + i) & NOISE_MASK]!;
      out[i] = value < 0 ? 0 : value > 255 ? 255 : value;
    }
  }

  /** Short bright slanted streaks: drops lit against the darker scene. */
  private drawRain(out: Uint8Array): void {
    const streaks = Math.round((STREAKS_AT_FULL * this.rain * this.width * this.height) / (320 * 240));
    const scale = this.height / 240;
    for (let s = 0; s < streaks; s++) {
      const x0 = this.nextRandom() * this.width;
      const y0 = this.nextRandom() * this.height;
      const length = (5 + this.nextRandom() * 9) * scale;
      const lift = 30 + this.nextRandom() * 40;
      for (let k = 0; k < length; k++) {
        const x = Math.floor(x0 + k * 0.25);
        const y = Math.floor(y0 + k);
        if (x >= this.width || y >= this.height) break;
        const i = y * this.width + x;
        out[i] = Math.min(255, out[i]! + lift);
      }
    }
  }

  /** xorshift32 over the frame's own state: no closure, no allocation. */
  private nextRandomInt(): number {
    let x = this.frameRandomState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.frameRandomState = x >>> 0;
    return this.frameRandomState;
  }

  private nextRandom(): number {
    return this.nextRandomInt() / 4_294_967_296;
  }
}

function gaussianTable(sigma: number, seed: number): Int16Array {
  const random = seededRandom(seed ^ 0x0015e);
  const table = new Int16Array(1 << NOISE_TABLE_BITS);
  for (let i = 0; i < table.length; i++) {
    // Box–Muller.
    const u = 1 - random();
    const v = random();
    table[i] = Math.round(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return table;
}
