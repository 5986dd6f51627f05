import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'uvu';
import type { AddressInfo } from 'node:net';
import { generateCommandKeyPair } from '../../protocol/sign.js';
import { packBundle } from '../../edge/update/bundle.js';
import { pointCurrent } from '../../edge/update/slots.js';
import type { TarFile } from '../../edge/update/tar.js';

export const RELEASE_KEY = generateCommandKeyPair();
export const OTHER_KEY = generateCommandKeyPair();
export const TRUSTED = [{ id: 'release', publicKey: RELEASE_KEY.publicKey }];

export function file(path: string, text: string, mode = 0o644): TarFile {
  return { path, data: Buffer.from(text), mode, mtimeMs: Date.UTC(2026, 10, 1, 12, 0, 0) };
}

/** A small but complete release: what verifyBundle insists on, plus a long path and an executable. */
export const SMALL_RELEASE_FILES: TarFile[] = [
  file('package.json', '{"name":"nutgiao","version":"9.0.0"}\n'),
  file('bin/nutgiao.js', '#!/usr/bin/env node\nconsole.log("hello")\n', 0o755),
  file(`node_modules/${'deep/'.repeat(30)}index.js`, 'module.exports = 1;\n'),
  file('dist/edge/main.js', 'export {};\n'.repeat(500)),
];

export async function smallBundle(options: { version?: string; key?: { id: string; privateKeyPem: string }; native?: { platform: string; arch: string; nodeAbi: string } | null; files?: TarFile[] } = {}) {
  return packBundle({
    files: options.files ?? SMALL_RELEASE_FILES,
    name: 'nutgiao',
    version: options.version ?? '9.0.0',
    minNodeMajor: 20,
    native: options.native ?? null,
    key: options.key ?? { id: 'release', privateKeyPem: RELEASE_KEY.privateKeyPem },
  });
}

/** A local http server answering each path with a handler; closed by close(). */
export async function serve(routes: Record<string, (response: import('node:http').ServerResponse) => void>): Promise<{ url: (path: string) => string; close: () => Promise<void>; server: Server }> {
  const server = createServer((request, response) => {
    const route = routes[request.url ?? ''];
    if (route) route(response);
    else response.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ReleaseDirs {
  root: string;
  /** The A/B slots' folder, with `current` pointing at `installed`. */
  releases: string;
  /** The running release's package root. */
  installed: string;
}

/** For each test, a fresh folder with an installed release that `current` points to, handed to `use`; removed after the test. */
export function releaseDirsPerTest(test: Test, prefix: string, use: (dirs: ReleaseDirs) => void): void {
  let root = '';
  test.before.each(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
    const dirs = { root, releases: join(root, 'releases'), installed: join(root, 'installed') };
    await mkdir(dirs.installed);
    await pointCurrent(dirs.releases, dirs.installed);
    use(dirs);
  });
  test.after.each(async () => {
    await rm(root, { recursive: true, force: true });
  });
}
