import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, truncate, unlink, type FileHandle } from 'node:fs/promises';

/**
 * The few filesystem operations the outbox uses. Production passes nodeOutboxFs; tests wrap it to count
 * fsyncs or to fail the way a full or read-only SD card fails (ENOSPC, EROFS), on a real directory.
 */
export interface OutboxFs {
  mkdirp(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<Buffer>;
  /** Creates a new file for appending; fails if it exists (segments are never reopened for writing). */
  create(path: string): Promise<OutboxFile>;
  openForReading(path: string): Promise<OutboxFile>;
  truncate(path: string, length: number): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Makes a new file's directory entry durable (fsync of the folder). */
  syncDir(path: string): Promise<void>;
}

export interface OutboxFile {
  /** Writes all of `data` at `position`. */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Reads up to into.length bytes at `position`; returns how many were read. */
  read(into: Uint8Array, position: number): Promise<number>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

class NodeOutboxFile implements OutboxFile {
  constructor(private readonly handle: FileHandle) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      if (bytesWritten === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      done += bytesWritten;
    }
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    let done = 0;
    while (done < into.length) {
      const { bytesRead } = await this.handle.read(into, done, into.length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export const nodeOutboxFs: OutboxFs = {
  async mkdirp(path) {
    await mkdir(path, { recursive: true });
  },
  readdir: (path) => readdir(path),
  readFile: (path) => readFile(path),
  async create(path) {
    return new NodeOutboxFile(await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_RDWR));
  },
  async openForReading(path) {
    return new NodeOutboxFile(await open(path, 'r'));
  },
  truncate: (path, length) => truncate(path, length),
  unlink: (path) => unlink(path),
  async syncDir(path) {
    const dir = await open(path, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  },
};
