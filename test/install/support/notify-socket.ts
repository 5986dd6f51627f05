import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real NOTIFY_SOCKET, as systemd (PID 1) listens on it: a unix datagram socket in a temporary folder,
 * served by python3 because Node has no unix datagram sockets. Each datagram is one sd_notify message of
 * newline-separated assignments; received file descriptors (BARRIER=1) are closed by the kernel when the
 * datagram is read without ancillary data, which is what releases systemd-notify's barrier wait.
 */
const RECEIVER = `
import json, socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
server.bind(sys.argv[1])
print("listening", flush=True)
while True:
    print(json.dumps(server.recv(65536).decode("utf-8", "replace")), flush=True)
`;

export class NotifySocketReceiver {
  /** Every assignment received, in order (one datagram may carry several). */
  readonly assignments: string[] = [];
  private constructor(
    readonly path: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<NotifySocketReceiver> {
    const dir = await mkdtemp(join(tmpdir(), 'nutgiao-notify-'));
    const path = join(dir, 'notify.sock');
    const child = spawn('/usr/bin/python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const receiver = new NotifySocketReceiver(path, dir, child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      let partial = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        partial += chunk.toString();
        const lines = partial.split('\n');
        partial = lines.pop()!;
        for (const line of lines) {
          if (line === 'listening') resolve();
          else receiver.assignments.push(...(JSON.parse(line) as string).split('\n').filter((item) => item !== ''));
        }
      });
      child.once('exit', (code) => reject(new Error(`notify socket receiver exited ${code}: ${stderr}`)));
    });
    return receiver;
  }

  count(assignment: string): number {
    return this.assignments.filter((item) => item === assignment).length;
  }

  async waitFor(assignment: string, times = 1, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(assignment) < times) {
      if (Date.now() > deadline) throw new Error(`${assignment} x${times} not received within ${timeoutMs} ms; got ${JSON.stringify(this.assignments)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
