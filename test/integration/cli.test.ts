import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { wasmSimdSupported } from '../../edge/vision/wasm-motion-detector.js';
import { Collector } from '../support/collector.js';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';

/** The `nutgiao` command as a technician runs it: help, config check, the self-contained simulated node, sub. */
const test = suite('nutgiao CLI');
const running: Array<NodeProcess | Collector> = [];

test.after.each(async () => {
  for (const thing of running.splice(0)) await (thing instanceof NodeProcess ? thing.stop() : thing.close());
});

async function finish(args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = NodeProcess.spawn(args, cwd ? { cwd } : {});
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout.join('\n'), stderr: cli.stderr.join('\n') };
}

test('--help lists the commands; an unknown command exits 2', async () => {
  const help = await finish(['--help']);
  assert.is(help.code, 0);
  for (const command of ['start', 'run --config FILE', 'config check FILE', 'sub']) assert.ok(help.stdout.includes(command), `help names ${command}`);
  const unknown = await finish(['frobnicate']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badOption = await finish(['sub', '--nope']);
  assert.is(badOption.code, 2);
  assert.match(badOption.stderr, /nope/);
});

test('config check: the example is valid (exit 0); a bad config prints each error with its path (exit 1)', async () => {
  const { configPath } = await writeTestConfig({ nodeId: 'check-1' });
  const good = await finish(['config', 'check', configPath]);
  assert.is(good.code, 0, good.stderr);
  assert.match(good.stdout, /valid \(node check-1@demo, config hash [0-9a-f]{16}\)/);

  const config = JSON.parse(await readFile(configPath, 'utf8'));
  config.signal.phases[2].minGreen = 2;
  config.mqtt.keepaliveS = 'often';
  await writeFile(configPath, JSON.stringify(config));
  const bad = await finish(['config', 'check', configPath]);
  assert.is(bad.code, 1);
  assert.match(bad.stdout, /signal\.phases\[2\]\.minGreen: must be >= 5 s/);
  assert.match(bad.stdout, /mqtt\.keepaliveS: /);

  const missing = await finish(['config', 'check', '/nonexistent/node.yaml']);
  assert.is(missing.code, 1);
  assert.match(missing.stdout, /\/nonexistent\/node\.yaml/);
});

test('run without a broker refuses with the field and the fix', async () => {
  const { configPath } = await writeTestConfig({ nodeId: 'nobroker-1' });
  const result = await finish(['run', '--config', configPath]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /mqtt\.broker: not set/);
});

test('start: a self-contained simulated node on the embedded broker (MQTT 3.1.1 fallback), seen by `sub`; Ctrl-C stops cleanly', async () => {
  const cwd = await mkdtemp(join(tmpdir(), 'nutgiao-start-'));
  const node = NodeProcess.spawn(['start', '--broker-port', '0'], { cwd });
  running.push(node);
  const [, url] = (await node.waitForLine(/publishing to (mqtt:\/\/127\.0\.0\.1:\d+) \(embedded broker/)) as RegExpMatchArray;
  assert.is((await readFile(join(cwd, 'var', 'broker.url'), 'utf8')).trim(), url);
  await node.waitForLine(/sim-0001@demo boot 0 up \d+s \| mqtt v3\.1\.1 up/);

  const collector = await Collector.connect(url!);
  running.push(collector);
  const birth = await collector.waitFor((entry) => entry.kind === 'state' && entry.retained, 'retained birth');
  assert.is(birth.message.mqttProtocol, '3.1.1');
  assert.is(birth.message.node, 'sim-0001');

  // sub finds the embedded broker through var/broker.url, as in the README's quick start. Stopping the node
  // then sends the lamp release (signal), node.stopping (event) and the camera's last counts, numbered
  // after whatever came before (a counting period may close at a minute boundary meanwhile), then the death.
  const sub = NodeProcess.spawn(['sub'], { cwd, env: { NUTGIAO_LOG: 'info' } });
  running.push(sub);
  await sub.waitForLine(/MQTT connected/, 15_000, 'stderr');
  await sub.waitForLine(/"retained":true/);
  node.kill('SIGINT');
  const exit = await node.exited;
  assert.is(exit.code, 0, node.stderr.join('\n'));
  assert.ok(node.stdout.some((line) => line.startsWith('stopping: stopped by operator')));
  await sub.waitForLine(/"status":"offline"/);
  sub.kill('SIGINT');
  const { code } = await sub.exited;
  assert.is(code, 0, sub.stderr.join('\n'));
  type Line = { topic: string; message?: Record<string, unknown>; error?: string; retained: boolean; sequence?: string };
  const lines = sub.stdout.map((line) => JSON.parse(line) as Line);
  assert.ok(lines.every((line) => line.error === undefined), 'every message decodes');
  const kind = (line: Line) => line.topic.split('/').pop();
  assert.equal([kind(lines[0]!), lines[0]!.message?.status, lines[0]!.retained], ['state', 'online', true], 'a late subscriber gets the retained birth first');
  assert.equal([kind(lines.at(-1)!), lines.at(-1)!.message?.status], ['state', 'offline'], 'the death comes last');
  const stopping = lines.slice(1, -1);
  const release = stopping.findIndex((line) => kind(line) === 'signal' && String(line.message?.reason).includes('stopping'));
  const stoppingEvent = stopping.findIndex((line) => kind(line) === 'event' && line.message?.type === 'node.stopping');
  const lastCounts = stopping.findLastIndex((line) => kind(line) === 'counts');
  assert.ok(release >= 0 && stoppingEvent > release && lastCounts > stoppingEvent, 'lamps released, then node.stopping, then the last counts');
  const sequences = stopping.map((line) => line.sequence);
  assert.is(sequences[0], 'first');
  assert.ok(sequences.slice(1).every((status) => status === 'next'), `no gap: ${sequences.join(',')}`);
  const seqs = stopping.map((line) => line.message?.seq as number);
  assert.ok(seqs[0]! >= 2, 'numbering continues after the start-up messages (signal 0, event 1)');
  assert.not.ok(existsSync(join(cwd, 'var', 'broker.url')), 'the broker URL file is removed on stop');
});

test('count: JSON with counts per line and zone, and pipeline timing; bad input exits 2 with a one-line reason', async () => {
  const clip = new URL('../../../shared/data/bgslibrary_video03.avi', import.meta.url).pathname;
  const good = await finish(['count', '--video', clip, '--line', 'L:50,130,275,130', '--zone', 'road:40,100;290,100;290,200;40,200', '--json']);
  assert.is(good.code, 0, good.stderr);
  const result = JSON.parse(good.stdout);
  assert.is(result.frames, 1699);
  assert.equal([result.width, result.height, result.sourceFps], [320, 240, 60]);
  assert.is(result.backend, wasmSimdSupported() ? 'wasm' : 'ts', 'auto picks the SIMD kernel where the runtime has it');
  assert.equal([result.pipeline.workingWidth, result.pipeline.workingHeight], [320, 240]);
  assert.ok(result.pipeline.msPerFrameMedian > 0 && result.pipeline.framesPerSecond > 0);
  assert.is(result.lines.L.total, result.lines.L.lr + result.lines.L.rl);
  assert.ok(Math.abs(result.lines.L.lr - 27) <= 2);
  // A zone over the whole road below and above the line: every vehicle passes through it.
  const road = result.zones.road;
  assert.ok(road.occupancyPct > 0 && road.occupancyPct < 100, `occupancy ${road.occupancyPct} %`);
  assert.ok(road.presentPct >= road.occupancyPct && road.presentPct <= 100, `present ${road.presentPct} % of the time`);
  // The 27 hand-counted vehicles all pass through it: track fragments must not inflate the volume (they
  // made it 54 when each new track counted).
  assert.ok(road.volume >= 27 * 0.8 && road.volume <= 27 * 1.35, `volume ${road.volume} for the 27 vehicles crossing the line`);

  for (const [args, reason] of [
    [['--video', '/nonexistent.mp4', '--line', 'L:1,1,2,2'], /not found/],
    [['--video', 'README.md', '--line', 'L:1,1,2,2'], /not a video/],
    [['--video', clip, '--line', 'L:50,130,400,130'], /outside the 320×240 image/],
    [['--video', clip, '--line', 'L:50,130,275,130', '--zone', 'Z:0,0;400,0;0,100'], /--zone Z: point \(400,0\) is outside the 320×240 image/],
  ] as const) {
    const bad = await finish(['count', ...args]);
    assert.is(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, reason);
    assert.is(bad.stderr.trim().split('\n').length, 1, 'one line');
  }
  const usage = await finish(['count', '--video', clip, '--line', 'nonsense']);
  assert.is(usage.code, 2);
  assert.match(usage.stderr, /expected NAME:x1,y1,x2,y2/);
  const badZone = await finish(['count', '--video', clip, '--line', 'L:50,130,275,130', '--zone', 'Z:1,1;2,2']);
  assert.is(badZone.code, 2);
  assert.match(badZone.stderr, /a zone needs at least 3 points/);
});

test.run();
