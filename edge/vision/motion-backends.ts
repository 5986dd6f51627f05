/**
 * The motion stages a camera can run on: 'wasm' (the WebAssembly SIMD kernel), 'ts' (plain TypeScript),
 * 'opencv' (@u4/opencv4nodejs, where scripts/install-opencv.sh installed it), or 'auto' (wasm where the
 * runtime has WebAssembly SIMD, else ts). A plain list, so the config schema can name the choices
 * without loading any backend.
 */
export const MOTION_BACKENDS = ['auto', 'wasm', 'ts', 'opencv'] as const;

export type MotionBackendChoice = (typeof MOTION_BACKENDS)[number];
