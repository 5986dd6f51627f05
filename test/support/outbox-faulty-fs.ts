import type { OutboxFile, OutboxFs } from '../../edge/telemetry/outbox/outbox-fs.js';
import { nodeOutboxFs } from '../../edge/telemetry/outbox/outbox-fs.js';

export type FaultCode = 'ENOSPC' | 'EROFS' | 'EIO';

function errno(code: FaultCode, operation: string, path: string): NodeJS.ErrnoException {
  const text = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EIO: 'i/o error' }[code];
  return Object.assign(new Error(`${code}: ${text}, ${operation} '${path}'`), { code, syscall: operation, path });
}

/**
 * The real filesystem (a temporary folder) with counters and switchable faults, failing the way a full
 * or read-only SD card fails: ENOSPC refuses writes, fsyncs and new files but still lets files be
 * deleted; EROFS refuses every change. `partialWriteBytes` makes the failing write land that many bytes
 * first, as a full disk does mid-write.
 */
export class FaultyOutboxFs implements OutboxFs {
  /** Completed fsyncs of files, of the folder, and completed writes. */
  syncs = 0;
  dirSyncs = 0;
  writes = 0;
  private fault: FaultCode | null = null;
  private partialWriteBytes = 0;

  constructor(private readonly real: OutboxFs = nodeOutboxFs) {}

  failWith(code: FaultCode | null, options: { partialWriteBytes?: number } = {}): void {
    this.fault = code;
    this.partialWriteBytes = options.partialWriteBytes ?? 0;
  }

  private check(operation: string, path: string, deletes = false): void {
    if (this.fault === null || (deletes && this.fault === 'ENOSPC')) return;
    throw errno(this.fault, operation, path);
  }

  async mkdirp(path: string): Promise<void> {
    if (this.fault === 'EROFS') this.check('mkdir', path);
    await this.real.mkdirp(path);
  }

  readdir(path: string): Promise<string[]> {
    return this.real.readdir(path);
  }

  readFile(path: string): Promise<Buffer> {
    return this.real.readFile(path);
  }

  async create(path: string): Promise<OutboxFile> {
    this.check('open', path);
    return this.wrap(await this.real.create(path), path);
  }

  async openForReading(path: string): Promise<OutboxFile> {
    return this.real.openForReading(path);
  }

  async truncate(path: string, length: number): Promise<void> {
    this.check('truncate', path);
    await this.real.truncate(path, length);
  }

  async unlink(path: string): Promise<void> {
    this.check('unlink', path, true);
    await this.real.unlink(path);
  }

  async syncDir(path: string): Promise<void> {
    this.check('fsync', path);
    this.dirSyncs++;
    await this.real.syncDir(path);
  }

  private wrap(file: OutboxFile, path: string): OutboxFile {
    return {
      write: async (data, position) => {
        if (this.fault !== null) {
          if (this.partialWriteBytes > 0) await file.write(data.subarray(0, Math.min(this.partialWriteBytes, data.length)), position);
          this.check('write', path);
        }
        await file.write(data, position);
        this.writes++;
      },
      read: (into, position) => file.read(into, position),
      sync: async () => {
        this.check('fsync', path);
        this.syncs++;
        await file.sync();
      },
      close: () => file.close(),
    };
  }
}
