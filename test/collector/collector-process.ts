import { NodeProcess } from '../support/node-process.js';

export interface CollectorHealth {
  ok: boolean;
  mqttConnected: boolean;
  databaseOk: boolean;
  pending: number;
}

/** `nutgiao collect` as its own process (so it can be SIGKILLed), with its /metrics and /health on a free port. */
export class CollectorProcess {
  private constructor(
    readonly process: NodeProcess,
    readonly metricsBase: string,
  ) {}

  /** Spawns it and waits for its "consuming" line; `args` come after `collect --metrics-port 0`. */
  static async spawn(args: string[], timeoutMs = 30_000): Promise<CollectorProcess> {
    const process = NodeProcess.spawn(['collect', '--metrics-port', '0', ...args]);
    const [, metricsBase] = await process.waitForLine(/^collector .* consuming .*\| metrics (http:\/\/[\d.:]+)\/metrics/, timeoutMs);
    return new CollectorProcess(process, metricsBase!);
  }

  get exitCode(): number | null {
    return this.process.child.exitCode;
  }

  async health(): Promise<{ status: number; body: CollectorHealth }> {
    const response = await fetch(`${this.metricsBase}/health`);
    return { status: response.status, body: (await response.json()) as CollectorHealth };
  }

  /** One gauge or counter of /metrics, by its full name. */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.metricsBase}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    if (line === undefined) throw new Error(`/metrics has no ${name}:\n${text}`);
    return Number(line.slice(name.length + 1));
  }
}
