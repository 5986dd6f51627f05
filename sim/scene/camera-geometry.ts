import type { Point } from './scene-types.js';

/** Metres: lane width and how far beyond the kerbs the sidewalks reach. */
export const LANE_WIDTH_M = 3.5;
export const SIDEWALK_M = 3.5;
/** The camera's height above the road (m): on a mast arm over the approach. */
export const CAMERA_HEIGHT_M = 8;
/** Image rows as fractions of the height: the horizon, the stop line and the count line. */
const HORIZON_FRACTION = 0.14;
const STOP_LINE_FRACTION = 0.6;
const COUNT_LINE_FRACTION = 0.8;
/** Focal length as a fraction of the image width (a moderately wide lens). */
const FOCAL_FRACTION = 0.95;
/** Points nearer than this (m) are clipped, as if the vehicle had passed under the camera. */
export const NEAR_CLIP_M = 0.5;

/**
 * A fixed pinhole camera looking level down a straight approach from above its centre. World: X metres
 * across the road (right positive), Z metres along it away from the camera, Y metres up. A point projects
 * to x = cx + f·X/Z, y = horizon + f·(H − Y)/Z, so the road narrows to a vanishing point at (cx, horizon).
 * Traffic keeps to the right: inbound lanes (coming toward the camera) on the image left, then the
 * outbound lane. All distances scale with the image size, so any resolution shows the same scene.
 */
export class CameraGeometry {
  readonly width: number;
  readonly height: number;
  readonly focal: number;
  readonly centerX: number;
  readonly horizonY: number;
  readonly inboundLanes: number;
  readonly hasOutbound: boolean;
  /** X of the left kerb, the median (between inbound and outbound) and the right kerb. */
  readonly leftKerbX: number;
  readonly medianX: number;
  readonly rightKerbX: number;
  /** Distance of the stop line and the count line from the camera (m). */
  readonly stopZ: number;
  readonly countZ: number;
  /** Distance seen at the bottom image row (m). */
  readonly bottomZ: number;

  constructor(width: number, height: number, inboundLanes: number, hasOutbound: boolean) {
    this.width = width;
    this.height = height;
    this.focal = FOCAL_FRACTION * width;
    this.centerX = width / 2;
    this.horizonY = HORIZON_FRACTION * height;
    this.inboundLanes = inboundLanes;
    this.hasOutbound = hasOutbound;
    const roadWidth = (inboundLanes + (hasOutbound ? 1 : 0)) * LANE_WIDTH_M;
    this.leftKerbX = -roadWidth / 2;
    this.medianX = this.leftKerbX + inboundLanes * LANE_WIDTH_M;
    this.rightKerbX = roadWidth / 2;
    this.stopZ = this.groundZAtRow(STOP_LINE_FRACTION * height);
    this.countZ = this.groundZAtRow(COUNT_LINE_FRACTION * height);
    this.bottomZ = this.groundZAtRow(height);
  }

  projectX(x: number, z: number): number {
    return this.centerX + (this.focal * x) / z;
  }

  projectY(y: number, z: number): number {
    return this.horizonY + (this.focal * (CAMERA_HEIGHT_M - y)) / z;
  }

  /** Distance (m) of the ground point seen at image row y (below the horizon). */
  groundZAtRow(y: number): number {
    return (this.focal * CAMERA_HEIGHT_M) / (y - this.horizonY);
  }

  /** Distance (m) of the point at height yM seen at image row y. */
  zAtRowForHeight(y: number, yM: number): number {
    return (this.focal * (CAMERA_HEIGHT_M - yM)) / (y - this.horizonY);
  }

  groundPoint(x: number, z: number): Point {
    return { x: this.projectX(x, z), y: this.projectY(0, z) };
  }

  /** Left edge X (m) of inbound lane i (0 = kerb side) or of the outbound lane (i = inboundLanes). */
  laneLeftX(lane: number): number {
    return this.leftKerbX + lane * LANE_WIDTH_M;
  }

  laneCenterX(lane: number): number {
    return this.laneLeftX(lane) + LANE_WIDTH_M / 2;
  }

  /** The ground quadrilateral X ∈ [x0, x1], Z ∈ [zNear, zFar] in image pixels: far-left, far-right, near-right, near-left. */
  groundQuad(x0: number, x1: number, zNear: number, zFar: number): Point[] {
    return [this.groundPoint(x0, zFar), this.groundPoint(x1, zFar), this.groundPoint(x1, zNear), this.groundPoint(x0, zNear)];
  }
}
