/**
 * The release bundle: an uncompressed tar (tar.ts) of exactly three files, in this order:
 *
 *   manifest.json     what the release is (ReleaseManifest), including the payload's size and SHA-256
 *   manifest.sig      base64 of the Ed25519 signature over the bytes of manifest.json, by a release key
 *   payload.tar.gz    the package's files (dist/, bin/, node_modules/, …) as a gzipped tar
 *
 * The signature covers the manifest and the manifest pins the payload by hash, so one check of 64 bytes
 * over a few hundred proves the whole bundle, and the payload is only unpacked after both passed.
 */
import { createHash, createPrivateKey, sign, verify } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { parsePublicKey } from '../../protocol/sign.js';
import { readTar, TarFormatError, writeTar, type TarFile } from './tar.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const BUNDLE_FORMAT = 'nutgiao-release-v1';

export interface ReleaseManifest {
  format: typeof BUNDLE_FORMAT;
  name: string;
  version: string;
  /** ISO 8601 time the bundle was made. */
  created: string;
  payloadSha256: string;
  payloadBytes: number;
  /** Lowest Node.js major version the release runs on (from package.json engines.node). */
  minNodeMajor: number;
  /** Where its native addons were built; null when the payload has none (then it runs anywhere). */
  native: { platform: string; arch: string; nodeAbi: string } | null;
  /** Id of the release key that signed it (a key in the node's update.keys). */
  keyId: string;
  files: number;
}

export interface ReleaseKey {
  id: string;
  publicKey: string;
}

/** Why a bundle was refused; the message is what the update command answers. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Packs files into a signed bundle. */
export async function packBundle(options: {
  files: readonly TarFile[];
  name: string;
  version: string;
  minNodeMajor: number;
  native: ReleaseManifest['native'];
  key: { id: string; privateKeyPem: string };
  created?: Date;
}): Promise<{ bundle: Buffer; manifest: ReleaseManifest }> {
  const payload = await gzipAsync(writeTar(options.files), { level: 9 });
  const manifest: ReleaseManifest = {
    format: BUNDLE_FORMAT,
    name: options.name,
    version: options.version,
    created: (options.created ?? new Date()).toISOString(),
    payloadSha256: sha256(payload),
    payloadBytes: payload.length,
    minNodeMajor: options.minNodeMajor,
    native: options.native,
    keyId: options.key.id,
    files: options.files.length,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n', 'utf8');
  const signature = sign(null, manifestBytes, createPrivateKey(options.key.privateKeyPem));
  const mtimeMs = Date.parse(manifest.created);
  const bundle = writeTar([
    { path: 'manifest.json', data: manifestBytes, mode: 0o644, mtimeMs },
    { path: 'manifest.sig', data: Buffer.from(signature.toString('base64') + '\n'), mode: 0o644, mtimeMs },
    { path: 'payload.tar.gz', data: payload, mode: 0o644, mtimeMs },
  ]);
  return { bundle, manifest };
}

/** What this node can run, for the manifest's compatibility checks. */
export interface RuntimeTarget {
  platform: string;
  arch: string;
  nodeAbi: string;
  nodeMajor: number;
}

export const THIS_RUNTIME: RuntimeTarget = {
  platform: process.platform,
  arch: process.arch,
  nodeAbi: process.versions.modules,
  nodeMajor: Number(process.versions.node.split('.')[0]),
};

/**
 * Checks a bundle completely (container, signature by a trusted key, payload size and hash, runtime fit)
 * and returns its manifest and unpacked files; throws BundleError saying what failed.
 */
export async function verifyBundle(bundle: Uint8Array, keys: readonly ReleaseKey[], runtime: RuntimeTarget = THIS_RUNTIME): Promise<{ manifest: ReleaseManifest; files: TarFile[] }> {
  let parts: TarFile[];
  try {
    parts = readTar(bundle);
  } catch (error) {
    if (error instanceof TarFormatError) throw new BundleError(`not a complete release bundle (${bundle.length} bytes): ${error.message}`);
    throw error;
  }
  const names = parts.map((part) => part.path).join(', ');
  if (parts.length !== 3 || parts[0]!.path !== 'manifest.json' || parts[1]!.path !== 'manifest.sig' || parts[2]!.path !== 'payload.tar.gz') {
    throw new BundleError(`not a release bundle: expected manifest.json, manifest.sig, payload.tar.gz, found ${names || 'nothing'}`);
  }
  const [manifestFile, signatureFile, payloadFile] = parts as [TarFile, TarFile, TarFile];
  let manifest: ReleaseManifest;
  try {
    manifest = JSON.parse(Buffer.from(manifestFile.data).toString('utf8')) as ReleaseManifest;
  } catch {
    throw new BundleError('manifest.json is not JSON');
  }
  if (manifest.format !== BUNDLE_FORMAT) throw new BundleError(`manifest.format is ${JSON.stringify(manifest.format)}, this node reads ${BUNDLE_FORMAT}`);
  if (keys.length === 0) throw new BundleError('no release keys configured (update.keys is empty): this node accepts no update');
  const key = keys.find((candidate) => candidate.id === manifest.keyId);
  if (!key) throw new BundleError(`signed by release key ${JSON.stringify(manifest.keyId)}, which is not in update.keys (${keys.map((candidate) => candidate.id).join(', ')})`);
  const signature = Buffer.from(Buffer.from(signatureFile.data).toString('ascii').trim(), 'base64');
  if (signature.length !== 64 || !verify(null, manifestFile.data, parsePublicKey(key.publicKey), signature)) {
    throw new BundleError(`bad signature: manifest.sig does not verify with release key ${key.id} (altered manifest, or signed by another key)`);
  }
  if (payloadFile.data.length !== manifest.payloadBytes) throw new BundleError(`payload is ${payloadFile.data.length} bytes, the manifest says ${manifest.payloadBytes}`);
  const actual = sha256(payloadFile.data);
  if (actual !== manifest.payloadSha256) throw new BundleError(`payload hash mismatch: sha256 ${actual}, the manifest says ${manifest.payloadSha256} (damaged or altered payload)`);
  if (runtime.nodeMajor < manifest.minNodeMajor) throw new BundleError(`release ${manifest.version} needs Node ${manifest.minNodeMajor} or later, this node runs Node ${runtime.nodeMajor}`);
  if (manifest.native) {
    const { platform, arch, nodeAbi } = manifest.native;
    if (platform !== runtime.platform || arch !== runtime.arch || nodeAbi !== runtime.nodeAbi) {
      throw new BundleError(
        `release ${manifest.version} carries native addons built for ${platform}-${arch} Node ABI ${nodeAbi}; this node is ${runtime.platform}-${runtime.arch} Node ABI ${runtime.nodeAbi}: build the release on a machine of this kind`,
      );
    }
  }
  let files: TarFile[];
  try {
    files = readTar(await gunzipAsync(payloadFile.data));
  } catch (error) {
    throw new BundleError(`payload does not unpack: ${(error as Error).message}`);
  }
  if (!files.some((file) => file.path === 'bin/nutgiao.js') || !files.some((file) => file.path === 'package.json')) {
    throw new BundleError('payload has no bin/nutgiao.js or package.json: not a NutGiao release');
  }
  return { manifest, files };
}
