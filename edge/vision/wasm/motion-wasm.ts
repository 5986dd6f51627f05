import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * Loader for motion.wasm, the WebAssembly SIMD motion kernel compiled from motion.as (see its header and
 * scripts/build-wasm.ts). The module is compiled once per process and cached; each detector instantiates
 * it with its own memory.
 */
export const MOTION_WASM_URL = new URL('./motion.wasm', import.meta.url);

/**
 * The slice of the WebAssembly JS API used here, typed locally: the project's lib (ES2022) and @types/node
 * do not declare the WebAssembly namespace.
 */
export interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The kernel's exports (pointers are byte offsets into memory). */
export interface MotionKernel {
  readonly memory: { readonly buffer: ArrayBuffer };
  configure(width: number, height: number): number;
  grayOffset(): number;
  freezeOffset(): number;
  maskOffset(): number;
  backgroundOffset(): number;
  bitsOffset(): number;
  bitStride(): number;
  configureSource(sourceWidth: number, sourceHeight: number, factor: number): number;
  sourceOffset(): number;
  downscale(): void;
  relearn(): void;
  clearMask(): void;
  /** The median gain bin of frame ÷ background (see global-gain.ts), GAIN_BINS when there is none. */
  globalGain(): number;
  /** Float parameters are read from paramsOffset(): f64 threshold, background rate ÷ gain, foreground rate ÷ gain, gain. */
  detect(): number;
  paramsOffset(): number;
  noiseMedian(): number;
  openAndUnpack(): void;
  /** Connected components of the opened bits: how many regions have at least minArea pixels. */
  labelComponents(minArea: number): number;
  /** Length of each region array below (i32, or f64 for the sums), indexed by a region's first run. */
  runCapacity(): number;
  /** The kept regions' first runs (i32), in run order. */
  regionListOffset(): number;
  regionAreaOffset(): number;
  regionMinXOffset(): number;
  regionMinYOffset(): number;
  regionMaxXOffset(): number;
  regionMaxYOffset(): number;
  regionSumXOffset(): number;
  regionSumYOffset(): number;
}

// (module (func (result v128) (v128.const i64x2 0 0))): validates only where WebAssembly SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd,
  0x0c, ...new Array<number>(16).fill(0), 0x0b,
]);

let simd: boolean | undefined;

/** Whether this runtime has WebAssembly with fixed-width SIMD (v128); without it, use TsMotionDetector. */
export function wasmSimdSupported(): boolean {
  if (simd === undefined) {
    try {
      simd = wasmApi !== undefined && wasmApi.validate(SIMD_PROBE);
    } catch {
      simd = false;
    }
  }
  return simd === true;
}

let compiled: WasmModule | undefined;

function missing(error: unknown): Error {
  const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
  return new Error(`motion kernel ${MOTION_WASM_URL.pathname}: ${reason}; build it with npx tsx scripts/build-wasm.ts (a built dist/ needs it copied next to motion-wasm.js)`);
}

function compile(bytes: Uint8Array): WasmModule {
  if (!wasmSimdSupported()) throw new Error('this runtime lacks WebAssembly SIMD: use the TypeScript motion detector');
  return new wasmApi!.Module(bytes);
}

/** The compiled kernel module, loaded and compiled synchronously on first use. */
export function motionModuleSync(): WasmModule {
  if (compiled === undefined) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(MOTION_WASM_URL);
    } catch (error) {
      throw missing(error);
    }
    compiled = compile(bytes);
  }
  return compiled;
}

/** The compiled kernel module, loaded and compiled off the main thread's critical path. */
export async function motionModule(): Promise<WasmModule> {
  if (compiled === undefined) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(MOTION_WASM_URL);
    } catch (error) {
      throw missing(error);
    }
    if (!wasmSimdSupported()) throw new Error('this runtime lacks WebAssembly SIMD: use the TypeScript motion detector');
    compiled ??= await wasmApi!.compile(bytes);
  }
  return compiled;
}

/** A fresh kernel instance (own memory) laid out for width × height; the memory never grows afterwards. */
export function instantiateMotionKernel(module: WasmModule, width: number, height: number): MotionKernel {
  const kernel = new wasmApi!.Instance(module, {}).exports as unknown as MotionKernel;
  if (!kernel.configure(width, height)) throw new Error(`motion kernel: cannot allocate memory for ${width}×${height}`);
  return kernel;
}
