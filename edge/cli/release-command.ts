import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packBundle } from '../update/bundle.js';
import { packageRoot } from '../update/package-root.js';
import { collectReleaseFiles } from '../update/release-files.js';
import { UsageError, type CommandIo } from './command.js';

export const RELEASE_HELP = `nutgiao release --out FILE --key FILE --key-id ID [--from DIR] [--version V]

Packs a built NutGiao package into a signed release bundle for the 'update' command: the package's files
(package.json "files": bin/, dist/, sources, installer, unit, docs), package.json, package-lock.json and
the production node_modules, so a cabinet needs neither internet nor a compiler to update. Native addons
are those built on this machine: make the release on the kind of machine it is for (same CPU, OS and
Node major version, e.g. on a Raspberry Pi); the bundle records which, and a node of another kind
refuses it. Nodes accept the bundle when --key-id names a key in their update.keys.

  --out FILE      where to write the bundle (e.g. nutgiao-0.2.0.ngr); never overwritten
  --key FILE      Ed25519 private key (PEM), e.g. made with 'nutgiao cmd keygen --out FILE'
  --key-id ID     the key's id in the nodes' update.keys
  --from DIR      the built package (default: the package this command runs from); refused when its
                  dist/ is missing or older than a source file (run 'npm run build' there)
  --version V     the version the release reports (default: package.json's)`;

export async function releaseCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      key: { type: 'string' },
      'key-id': { type: 'string' },
      from: { type: 'string' },
      version: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(RELEASE_HELP);
    return 0;
  }
  if (!values.out) throw new UsageError('--out FILE is required');
  if (!values.key || !values['key-id']) throw new UsageError('--key FILE and --key-id ID are required: nodes refuse a bundle that no key in their update.keys signed');
  if (values.version !== undefined && !/^[0-9A-Za-z.+-]{1,64}$/.test(values.version)) throw new UsageError('--version: 1 to 64 letters, digits, . + or -');
  const sourceDir = values.from ? resolve(io.cwd, values.from) : packageRoot();
  const stale = await staleBuild(sourceDir);
  if (stale) {
    io.err(`${sourceDir}: ${stale}`);
    return 1;
  }
  const privateKeyPem = await readFile(resolve(io.cwd, values.key), 'utf8');
  const started = Date.now();
  const contents = await collectReleaseFiles(sourceDir, values.version === undefined ? {} : { version: values.version });
  const { bundle, manifest } = await packBundle({ ...contents, key: { id: values['key-id'], privateKeyPem } });
  const out = resolve(io.cwd, values.out);
  await writeFile(out, bundle, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' ? new UsageError(`--out: ${values.out} exists; a release is never overwritten`) : error;
  });
  io.out(
    JSON.stringify({
      bundle: out,
      version: manifest.version,
      files: manifest.files,
      bytes: bundle.length,
      payloadSha256: manifest.payloadSha256,
      native: manifest.native,
      keyId: manifest.keyId,
      ms: Date.now() - started,
    }),
  );
  return 0;
}

/** Why the build in sourceDir must not be released, or null: the same rule as scripts/install.sh. */
async function staleBuild(sourceDir: string): Promise<string | null> {
  const builtAt = await stat(join(sourceDir, 'dist', '.built')).then(
    (info) => info.mtimeMs,
    () => null,
  );
  if (builtAt === null) return "no dist/.built: not a built package (run 'npm run build' there)";
  const newer = async (dir: string): Promise<string | null> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = await newer(path);
        if (found) return found;
      } else if (entry.name.endsWith('.ts') && (await stat(path)).mtimeMs > builtAt) return path;
    }
    return null;
  };
  for (const folder of ['edge', 'sim', 'protocol']) {
    const found = await newer(join(sourceDir, folder));
    if (found) return `the build in dist/ is older than ${found.slice(sourceDir.length + 1)}: run 'npm run build' there first`;
  }
  return null;
}
