import { type CameraGeometry, NEAR_CLIP_M } from './camera-geometry.js';
import type { Vehicle } from './vehicle.js';

/** Shadow displacement on the ground per metre of height (m/m), fixed per scene: where the sun is. */
export interface SunDirection {
  dx: number;
  dz: number;
}

/** Bands of the near face and sides as fractions of the height. */
const BUMPER_TO = 0.14;
const LIGHTS_FROM = 0.2;
const LIGHTS_TO = 0.36;
const LIGHTS_WIDTH = 0.2;
const WHEELS_TO = 0.22;
const SIDE_SHADE = 0.8;
/** Bus and truck windows are split by pillars this far apart along the body (m). */
const PILLAR_SPACING_M = 1.6;

/**
 * Rasterizes a vehicle's body — near face, roof and the one side the camera sees — and its cast shadow.
 * The same traversal either measures (the clipped box the truth uses) or paints, so the truth's box is
 * exactly the set of pixels painted. Every span uses one rounding rule: pixels [round(a), round(b) − 1],
 * at least one pixel, so a distant vehicle is still a dot.
 */
export class VehicleRasterizer {
  private readonly geometry: CameraGeometry;
  private readonly width: number;
  private readonly height: number;
  private out: Uint8Array | null = null;
  // Extents accumulated by the measuring pass.
  private minX = 0;
  private minY = 0;
  private maxX = 0;
  private maxY = 0;

  constructor(geometry: CameraGeometry) {
    this.geometry = geometry;
    this.width = geometry.width;
    this.height = geometry.height;
  }

  /** Sets vehicle.visible and its inclusive box (clipped to the image) for the current world state. */
  measure(vehicle: Vehicle, laneCenterX: number): void {
    this.out = null;
    // Integer sentinels keep these fields small integers: no boxed numbers per vehicle.
    this.minX = this.width;
    this.minY = this.height;
    this.maxX = -1;
    this.maxY = -1;
    this.trace(vehicle, laneCenterX);
    vehicle.visible = this.maxX >= this.minX;
    if (vehicle.visible) {
      vehicle.x0 = this.minX;
      vehicle.y0 = this.minY;
      vehicle.x1 = this.maxX;
      vehicle.y1 = this.maxY;
    }
  }

  paintBody(vehicle: Vehicle, laneCenterX: number, out: Uint8Array): void {
    this.out = out;
    this.trace(vehicle, laneCenterX);
    this.out = null;
  }

  /**
   * Darkens the ground under the body displaced along the sun: pixels take the shadowed value of the
   * static background, so overlapping shadows do not darken twice.
   */
  paintShadow(vehicle: Vehicle, laneCenterX: number, sun: SunDirection, background: Uint8Array, shade: Uint8Array, out: Uint8Array): void {
    const g = this.geometry;
    const h = vehicle.spec.height;
    const left = vehicle.leftX(laneCenterX);
    const x0 = left + Math.min(0, sun.dx * h);
    const x1 = left + vehicle.spec.width + Math.max(0, sun.dx * h);
    const zNear = Math.max(NEAR_CLIP_M, vehicle.near + Math.min(0, sun.dz * h));
    const zFar = vehicle.near + vehicle.spec.length + Math.max(0, sun.dz * h);
    if (zFar <= zNear) return;
    const r0 = Math.max(0, Math.round(g.projectY(0, zFar)));
    const r1 = Math.min(this.height - 1, Math.round(g.projectY(0, zNear)) - 1);
    for (let r = r0; r <= r1; r++) {
      const z = clamp(g.groundZAtRow(r + 0.5), zNear, zFar);
      const c0 = Math.max(0, Math.round(g.projectX(x0, z)));
      const c1 = Math.min(this.width - 1, Math.round(g.projectX(x1, z)) - 1);
      const row = r * this.width;
      for (let c = c0; c <= c1; c++) out[row + c] = shade[background[row + c]!]!;
    }
  }

  private trace(vehicle: Vehicle, laneCenterX: number): void {
    const spec = vehicle.spec;
    const zNear = Math.max(vehicle.near, NEAR_CLIP_M);
    const zFar = vehicle.near + spec.length;
    if (zFar <= NEAR_CLIP_M) return;
    const left = vehicle.leftX(laneCenterX);
    const right = left + spec.width;
    if (left > 0) this.traceSide(vehicle, left, zNear, zFar);
    else if (right < 0) this.traceSide(vehicle, right, zNear, zFar);
    this.traceRoof(vehicle, left, right, zNear, zFar);
    this.traceNearFace(vehicle, left, right, zNear, zNear > vehicle.near);
  }

  /** The side at X = sideX, column by column: each column is one distance along the body. */
  private traceSide(vehicle: Vehicle, sideX: number, zNear: number, zFar: number): void {
    const g = this.geometry;
    const h = vehicle.spec.height;
    const a = g.projectX(sideX, zNear);
    const b = g.projectX(sideX, zFar);
    const c0 = Math.round(Math.min(a, b));
    const c1 = Math.max(c0, Math.round(Math.max(a, b)) - 1);
    const glassFrom = vehicle.spec.glassFrom;
    const glassTo = vehicle.spec.glassTo;
    const long = vehicle.kind === 'bus' || vehicle.kind === 'truck';
    const body = vehicle.body * SIDE_SHADE;
    for (let c = Math.max(0, c0); c <= Math.min(this.width - 1, c1); c++) {
      const offset = c + 0.5 - g.centerX;
      const z = offset === 0 ? zFar : clamp((g.focal * sideX) / offset, zNear, zFar);
      const yTop = g.projectY(h, z);
      const yBottom = g.projectY(0, z);
      const r0 = Math.round(yTop);
      const r1 = Math.max(r0, Math.round(yBottom) - 1);
      const lo = Math.max(0, r0);
      const hi = Math.min(this.height - 1, r1);
      if (lo > hi) continue;
      if (this.out === null) {
        this.extend(c, lo, c, hi);
        continue;
      }
      const pillar = long && (z - vehicle.near) % PILLAR_SPACING_M < 0.25;
      const span = yBottom - yTop;
      for (let r = lo; r <= hi; r++) {
        const up = 1 - (r + 0.5 - yTop) / span;
        let value = body;
        if (up < WHEELS_TO) value = 28;
        else if (up >= glassFrom && up < glassTo && !pillar) value = vehicle.glass + 15 * up;
        this.out[r * this.width + c] = value;
      }
    }
  }

  /** The roof, row by row: each row is one distance along the body at roof height. */
  private traceRoof(vehicle: Vehicle, left: number, right: number, zNear: number, zFar: number): void {
    const g = this.geometry;
    const h = vehicle.spec.height;
    const r0 = Math.round(g.projectY(h, zFar));
    const r1 = Math.max(r0, Math.round(g.projectY(h, zNear)) - 1);
    const striped = vehicle.kind === 'bus' || vehicle.kind === 'truck';
    for (let r = Math.max(0, r0); r <= Math.min(this.height - 1, r1); r++) {
      const z = clamp(g.zAtRowForHeight(r + 0.5, h), zNear, zFar);
      const a = g.projectX(left, z);
      const c0 = Math.round(a);
      const c1 = Math.max(c0, Math.round(g.projectX(right, z)) - 1);
      const lo = Math.max(0, c0);
      const hi = Math.min(this.width - 1, c1);
      if (lo > hi) continue;
      if (this.out === null) {
        this.extend(lo, r, hi, r);
        continue;
      }
      const row = r * this.width;
      // Roof fittings (vents, racks) on long vehicles: darker blocks every few metres.
      const fitting = striped && (z - vehicle.near) % 3 < 0.8;
      const value = fitting ? vehicle.roof * 0.75 : vehicle.roof;
      this.out.fill(value, row + lo, row + hi + 1);
    }
  }

  /** The face toward the camera: bumper, body with lights, glass; a cut through the body when clipped. */
  private traceNearFace(vehicle: Vehicle, left: number, right: number, z: number, clipped: boolean): void {
    const g = this.geometry;
    const h = vehicle.spec.height;
    const xa = g.projectX(left, z);
    const xb = g.projectX(right, z);
    const yTop = g.projectY(h, z);
    const yBottom = g.projectY(0, z);
    const c0 = Math.round(xa);
    const c1 = Math.max(c0, Math.round(xb) - 1);
    const r0 = Math.round(yTop);
    const r1 = Math.max(r0, Math.round(yBottom) - 1);
    const lo = Math.max(0, c0);
    const hi = Math.min(this.width - 1, c1);
    const top = Math.max(0, r0);
    const bottom = Math.min(this.height - 1, r1);
    if (lo > hi || top > bottom) return;
    if (this.out === null) {
      this.extend(lo, top, hi, bottom);
      return;
    }
    const faceWidth = xb - xa;
    const lightL = Math.round(xa + faceWidth * LIGHTS_WIDTH);
    const lightR = Math.round(xb - faceWidth * LIGHTS_WIDTH);
    const motorbike = vehicle.kind === 'motorbike';
    const span = yBottom - yTop;
    for (let r = top; r <= bottom; r++) {
      const up = 1 - (r + 0.5 - yTop) / span;
      const row = r * this.width;
      if (clipped) {
        this.out.fill(vehicle.body, row + lo, row + hi + 1);
        continue;
      }
      if (up < BUMPER_TO) {
        this.out.fill(28 + vehicle.body * 0.2, row + lo, row + hi + 1);
      } else if (up >= vehicle.spec.glassFrom && up < vehicle.spec.glassTo) {
        // Glass catches the sky toward its top; a rider's jacket is flat.
        this.out.fill(motorbike ? vehicle.glass : vehicle.glass + 40 * (up - vehicle.spec.glassFrom), row + lo, row + hi + 1);
      } else if (up >= LIGHTS_FROM && up < LIGHTS_TO) {
        this.out.fill(vehicle.body, row + lo, row + hi + 1);
        if (motorbike) {
          const mid = (lo + hi) >> 1;
          this.out[row + mid] = vehicle.lights;
        } else {
          this.out.fill(vehicle.lights, row + lo, row + Math.min(hi, lightL) + 1);
          if (lightR <= hi) this.out.fill(vehicle.lights, row + Math.max(lo, lightR), row + hi + 1);
        }
      } else {
        this.out.fill(vehicle.body, row + lo, row + hi + 1);
      }
    }
  }

  private extend(x0: number, y0: number, x1: number, y1: number): void {
    if (x0 < this.minX) this.minX = x0;
    if (y0 < this.minY) this.minY = y0;
    if (x1 > this.maxX) this.maxX = x1;
    if (y1 > this.maxY) this.maxY = y1;
  }
}

function clamp(value: number, lo: number, hi: number): number {
  return value < lo ? lo : value > hi ? hi : value;
}
