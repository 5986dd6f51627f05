import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../hal/clock.js';
import type { Logger } from '../log.js';

/**
 * The page's live state as Server-Sent Events: one JSON message every period to every open page, built
 * once per tick and only while a page is open. SSE rather than a WebSocket: the data flows one way, the
 * browser's EventSource reconnects by itself and sends the session cookie, and node:http is enough.
 */
export class StateStream {
  private readonly viewers = new Set<ServerResponse>();
  private timer: TimerHandle | undefined;
  private busy = false;

  constructor(
    private readonly build: () => Promise<unknown>,
    private readonly periodMs: number,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  watch(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    response.write('retry: 2000\n\n');
    this.viewers.add(response);
    response.on('close', () => {
      this.viewers.delete(response);
      if (this.viewers.size === 0) this.pause();
    });
    void this.tick();
    this.timer ??= this.clock.setRepeating(() => void this.tick(), this.periodMs);
  }

  close(): void {
    this.pause();
    for (const viewer of this.viewers) viewer.end();
    this.viewers.clear();
  }

  private pause(): void {
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy || this.viewers.size === 0) return;
    this.busy = true;
    try {
      const message = `data: ${JSON.stringify(await this.build())}\n\n`;
      for (const viewer of this.viewers) if (!viewer.writableNeedDrain) viewer.write(message);
    } catch (error) {
      this.log.warn('web state stream: state not available', { error: error as Error });
    } finally {
      this.busy = false;
    }
  }
}
