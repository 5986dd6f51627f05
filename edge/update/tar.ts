/**
 * A small POSIX tar (ustar, with pax `path` records for names over 100 bytes): the release bundle's
 * container. Only regular files, and folders implied by their paths: a release has no links, devices or
 * owners to carry, and a reader that accepts nothing else cannot be made to write outside its folder.
 *
 * Why not the `tar` package (node-tar, npm's own): it handles every tar dialect, links and streaming
 * extraction, and has had path-traversal advisories in exactly that generality. The bundle is read only
 * after its signature and hash check out, it fits in memory (about 10 MB), and this file is the whole of
 * what needs reviewing. Imports only node: modules, so the start guard (start-guard.ts) stays standalone.
 */

const BLOCK = 512;

export interface TarFile {
  /** Relative path with `/` separators, e.g. `dist/edge/main.js`. */
  path: string;
  data: Uint8Array;
  /** Permission bits; 0o755 for executables, else 0o644. */
  mode: number;
  mtimeMs: number;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, mtimeS: number, type: string): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode & 0o7777, 8), 100, 'ascii');
  block.write(octal(0, 8), 108, 'ascii');
  block.write(octal(0, 8), 116, 'ascii');
  block.write(octal(size, 12), 124, 'ascii');
  block.write(octal(Math.max(0, Math.floor(mtimeS)), 12), 136, 'ascii');
  block.write(type, 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  block.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return block;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`, 'utf8');
}

/** The tar archive of these files, in this order. */
export function writeTar(files: readonly TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const file of files) {
    checkPath(file.path);
    const mtimeS = file.mtimeMs / 1000;
    if (Buffer.byteLength(file.path) > 99) {
      const pax = paxRecord('path', file.path);
      parts.push(header('././@PaxHeader', pax.length, 0o644, mtimeS, 'x'), pax, padding(pax.length));
    }
    const shortName = Buffer.from(file.path, 'utf8').subarray(0, 99).toString('utf8').replace(/\uFFFD+$/, '');
    parts.push(header(shortName, file.data.length, file.mode, mtimeS, '0'), Buffer.from(file.data.buffer, file.data.byteOffset, file.data.length), padding(file.data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readOctal(block: Buffer, offset: number, length: number, what: string, at: number): number {
  const text = field(block, offset, length).trim();
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`tar header at byte ${at}: ${what} is not an octal number`);
  return parseInt(text, 8);
}

/** Refuses what could land outside the folder it is unpacked into. */
export function checkPath(path: string): void {
  const bad = path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0') || path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) throw new TarFormatError(`unsafe path in archive: ${JSON.stringify(path)} (only relative paths without . or .. segments)`);
}

/** Every file in a tar archive; throws TarFormatError on a truncated or damaged archive, or anything but files and folders. */
export function readTar(archive: Uint8Array): TarFile[] {
  const buffer = Buffer.from(archive.buffer, archive.byteOffset, archive.length);
  const files: TarFile[] = [];
  let offset = 0;
  let paxPath: string | null = null;
  for (;;) {
    if (offset + BLOCK > buffer.length) throw new TarFormatError(`archive truncated at byte ${offset}: no end-of-archive marker`);
    const block = buffer.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) {
      // The end is two zero blocks; one alone means the archive was cut inside its end marker.
      const second = buffer.subarray(offset + BLOCK, offset + 2 * BLOCK);
      if (second.length < BLOCK || !second.every((byte) => byte === 0)) throw new TarFormatError(`archive truncated at byte ${buffer.length}: incomplete end-of-archive marker`);
      return files;
    }
    const stored = readOctal(block, 148, 8, 'checksum', offset);
    let sum = 0;
    for (let index = 0; index < BLOCK; index++) sum += index >= 148 && index < 156 ? 32 : block[index]!;
    if (sum !== stored) throw new TarFormatError(`tar header at byte ${offset}: checksum mismatch (damaged archive)`);
    const size = readOctal(block, 124, 12, 'size', offset);
    const type = String.fromCharCode(block[156]!);
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > buffer.length) throw new TarFormatError(`archive truncated in ${field(block, 0, 100)}: ${size} bytes announced, ${buffer.length - dataStart} present`);
    const data = buffer.subarray(dataStart, dataEnd);
    offset = dataStart + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (type === 'x') {
      paxPath = parsePaxPath(data.toString('utf8')) ?? paxPath;
      continue;
    }
    const prefix = field(block, 345, 155);
    const name = paxPath ?? (prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100));
    paxPath = null;
    if (type === '5') continue; // folders are made from the files' paths
    if (type !== '0' && type !== '\0') throw new TarFormatError(`${name}: entry type '${type}' refused (a release holds only files and folders)`);
    checkPath(name);
    files.push({ path: name, data, mode: readOctal(block, 100, 8, 'mode', offset) & 0o777, mtimeMs: readOctal(block, 136, 12, 'mtime', offset) * 1000 });
  }
}

function parsePaxPath(text: string): string | null {
  let path: string | null = null;
  let rest = text;
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const length = Number(rest.slice(0, space));
    if (!Number.isInteger(length) || length <= 0) throw new TarFormatError('damaged pax header');
    const record = Buffer.from(rest, 'utf8').subarray(0, length).toString('utf8');
    const [key, ...value] = record.slice(space + 1, -1).split('=');
    if (key === 'path') path = value.join('=');
    rest = Buffer.from(rest, 'utf8').subarray(length).toString('utf8');
  }
  return path;
}
