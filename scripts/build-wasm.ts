/**
 * Builds edge/vision/wasm/motion.wasm from its AssemblyScript source edge/vision/wasm/motion.as.
 *
 *   npx tsx scripts/build-wasm.ts           writes motion.wasm (and prints its size)
 *   npx tsx scripts/build-wasm.ts --check   exits 1 if the committed motion.wasm is stale
 *
 * The .wasm is committed, so installs and CI need no AssemblyScript compiler at run time; the test
 * test/vision/wasm-motion-detector.test.ts rebuilds in memory with compileMotionWasm() and fails when the
 * committed bytes differ. The source is .as (see its header) and is handed to asc as `motion.ts`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const MOTION_SOURCE = fileURLToPath(new URL('../edge/vision/wasm/motion.as', import.meta.url));
export const MOTION_WASM = fileURLToPath(new URL('../edge/vision/wasm/motion.wasm', import.meta.url));

/** The asc options: release build at -O3 with SIMD, the stub runtime (nothing is ever freed), no asserts. */
export const ASC_FLAGS = ['--optimizeLevel', '3', '--shrinkLevel', '0', '--enable', 'simd', '--runtime', 'stub', '--noAssert', '--use', 'abort='] as const;

/** Compiles the AssemblyScript source in memory; returns the .wasm bytes, or throws with asc's diagnostics. */
export async function compileMotionWasm(onDiagnostics?: (text: string) => void): Promise<Uint8Array> {
  const asc = await import('assemblyscript/asc');
  const source = await readFile(MOTION_SOURCE, 'utf8');
  let binary: Uint8Array | null = null;
  let diagnostics = '';
  const result = await asc.main(['motion.ts', '--outFile', 'motion.wasm', ...ASC_FLAGS], {
    readFile: (name) => (name === 'motion.ts' ? source : null),
    writeFile: (name, contents) => {
      if (name === 'motion.wasm' && typeof contents !== 'string') binary = contents;
    },
    listFiles: () => [],
    stdout: { write: (text: string | Uint8Array) => void (diagnostics += String(text)) } as never,
    stderr: { write: (text: string | Uint8Array) => void (diagnostics += String(text)) } as never,
  });
  if (result.error !== null || binary === null) {
    throw new Error(`asc failed to compile ${MOTION_SOURCE}: ${result.error?.message ?? 'no output'}\n${diagnostics}`);
  }
  if (diagnostics.trim() !== '') onDiagnostics?.(diagnostics);
  return binary;
}

async function main(): Promise<void> {
  const built = await compileMotionWasm((text) => process.stderr.write(text));
  if (process.argv.includes('--check')) {
    const committed = await readFile(MOTION_WASM).catch(() => null);
    if (committed === null || !Buffer.from(built).equals(committed)) {
      process.stderr.write(`${MOTION_WASM} is stale: run npx tsx scripts/build-wasm.ts and commit it\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${MOTION_WASM} is up to date (${built.length} bytes)\n`);
    return;
  }
  await writeFile(MOTION_WASM, built);
  process.stdout.write(`wrote ${MOTION_WASM} (${built.length} bytes)\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  });
}
