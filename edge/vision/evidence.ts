import jpeg from 'jpeg-js';
import type { Point } from './geometry.js';
import { fillPolygon } from './polygon-fill.js';

export interface EvidenceOptions {
  /** Context added around the box on each side, as a fraction of the box's width and height. */
  marginFraction?: number;
  /** The longer side of the image is downsized to at most this, pixels. */
  maxSide?: number;
  /** JPEG quality, 1..100. */
  quality?: number;
  /** Polygons (source pixels) blanked black before anything leaves the node: windows, doorways, plates of parked cars. */
  privacyMasks?: readonly (readonly Point[])[];
}

export const EVIDENCE_DEFAULTS = { marginFraction: 0.5, maxSide: 160, quality: 70 } as const;

/** A box in source pixels: top-left corner and size. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * A small JPEG of a vehicle for an event: the box plus a margin, clamped to the image, privacy masks
 * blanked, downsized so the longer side is at most maxSide, gray encoded as RGBA by jpeg-js. Masks are
 * blanked at full resolution (so no masked pixel is averaged into the result) and again at the output
 * size (so their edges stay black instead of gray). Runs per event, not per frame, so it allocates.
 */
export function evidenceJpeg(gray: Uint8Array, width: number, height: number, box: Box, options: EvidenceOptions = {}): Buffer {
  const marginFraction = options.marginFraction ?? EVIDENCE_DEFAULTS.marginFraction;
  const maxSide = options.maxSide ?? EVIDENCE_DEFAULTS.maxSide;
  const quality = options.quality ?? EVIDENCE_DEFAULTS.quality;
  if (gray.length < width * height) throw new RangeError(`evidence: image buffer holds ${gray.length} bytes, ${width}×${height} needs ${width * height}`);
  if (!(maxSide >= 1)) throw new RangeError(`evidence: maxSide must be >= 1, got ${maxSide}`);
  const left = Math.max(0, Math.floor(box.x - box.w * marginFraction));
  const top = Math.max(0, Math.floor(box.y - box.h * marginFraction));
  const right = Math.min(width, Math.ceil(box.x + box.w * (1 + marginFraction)));
  const bottom = Math.min(height, Math.ceil(box.y + box.h * (1 + marginFraction)));
  if (right <= left || bottom <= top) {
    throw new RangeError(`evidence: box ${JSON.stringify(box)} lies outside the ${width}×${height} image`);
  }
  const cropWidth = right - left;
  const cropHeight = bottom - top;
  const crop = new Uint8Array(cropWidth * cropHeight);
  for (let y = 0; y < cropHeight; y++) crop.set(gray.subarray((top + y) * width + left, (top + y) * width + right), y * cropWidth);
  const masks = options.privacyMasks ?? [];
  for (const polygon of masks) fillPolygon(crop, cropWidth, cropHeight, polygon, 0, 1, 1, left, top);

  const scale = Math.min(1, maxSide / Math.max(cropWidth, cropHeight));
  const outWidth = Math.max(1, Math.round(cropWidth * scale));
  const outHeight = Math.max(1, Math.round(cropHeight * scale));
  const out = outWidth === cropWidth && outHeight === cropHeight ? crop : downsizeArea(crop, cropWidth, cropHeight, outWidth, outHeight);
  const stepX = cropWidth / outWidth;
  const stepY = cropHeight / outHeight;
  if (out !== crop) for (const polygon of masks) fillPolygon(out, outWidth, outHeight, polygon, 0, stepX, stepY, left, top);

  const rgba = Buffer.alloc(outWidth * outHeight * 4);
  for (let i = 0, o = 0; i < out.length; i++, o += 4) {
    const value = out[i]!;
    rgba[o] = value;
    rgba[o + 1] = value;
    rgba[o + 2] = value;
    rgba[o + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width: outWidth, height: outHeight }, quality).data;
}

/** Blanks (sets to 0) every privacy-mask polygon in a whole gray frame, in place: for snapshots. */
export function blankPrivacyMasks(gray: Uint8Array, width: number, height: number, polygons: readonly (readonly Point[])[]): void {
  for (const polygon of polygons) fillPolygon(gray, width, height, polygon, 0);
}

/** Area-average resampling: each output pixel is the mean of the source pixels it covers. */
function downsizeArea(source: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight);
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = Math.floor((oy * height) / outHeight);
    const y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * height) / outHeight));
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = Math.floor((ox * width) / outWidth);
      const x1 = Math.max(x0 + 1, Math.floor(((ox + 1) * width) / outWidth));
      let sum = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += source[y * width + x]!;
      out[oy * outWidth + ox] = Math.round(sum / ((y1 - y0) * (x1 - x0)));
    }
  }
  return out;
}
