import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import jpeg from 'jpeg-js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NodeProcess, writeTestConfig } from '../support/node-process.js';
import { freePort } from '../support/ports.js';
import { bearer, eventually, getJson, postJson, startWebNode, WEB_TOKEN, type WebNode } from './web-node.js';

/**
 * The technician's page and /metrics on a whole node (simulated hardware, embedded broker), over plain
 * HTTP as a browser or a Prometheus server would call them.
 */
const test = suite('web page endpoints');
let web: WebNode;
// A privacy mask over the top-left quarter of the 320×240 simulated camera.
const MASK = [{ x: 0, y: 0 }, { x: 160, y: 0 }, { x: 160, y: 120 }, { x: 0, y: 120 }];

test.before(async () => {
  web = await startWebNode('web-api', {}, (config) => {
    config.cameras[0].privacyMasks = [MASK];
  });
});
test.after(async () => {
  await web?.stop();
});

test('the API refuses a request without the credential, and a wrong token at login', async () => {
  assert.is((await getJson(`${web.base}/api/state`, {})).status, 401);
  assert.is((await getJson(`${web.base}/api/state`, bearer('not-the-token'))).status, 401);
  const refused = await postJson(`${web.base}/api/login`, { token: 'not-the-token' }, {});
  assert.is(refused.status, 401);
  assert.match(refused.body.error, /token/);
  const mode = await postJson(`${web.base}/api/signal/mode`, { mode: 'flash', confirm: true }, {});
  assert.is(mode.status, 401, 'a signal change needs the credential too');
});

test('login sets an HttpOnly session cookie that then opens the API; logout closes it', async () => {
  const login = await postJson(`${web.base}/api/login`, { token: WEB_TOKEN }, {});
  assert.is(login.status, 200);
  const cookie = login.headers.get('set-cookie') ?? '';
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const session = { cookie: cookie.split(';')[0]! };
  assert.is((await getJson(`${web.base}/api/session`, session)).status, 200);
  await postJson(`${web.base}/api/logout`, {}, session);
  assert.is((await getJson(`${web.base}/api/session`, session)).status, 401);
});

test('the page and its bundle are served, with no external URL in them', async () => {
  const page = await fetch(`${web.base}/`);
  assert.is(page.status, 200);
  const html = await page.text();
  assert.match(html, /<script type="module" src="\/app.js">/);
  const script = await (await fetch(`${web.base}/app.js`)).text();
  assert.ok(script.length > 1000);
  assert.not.match(html + script, /https?:\/\/(?!www\.w3\.org)/, 'everything ships with the node');
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
});

test('state: signal, counts, zones, tracks and health of the running node', async () => {
  const state = await eventually('a camera that processed frames', async () => {
    const { body } = await getJson(`${web.base}/api/state`);
    return body.cameras?.[0]?.processed > 30 ? body : null;
  });
  assert.is(state.node.id, 'web-api');
  assert.ok(['startup', 'normal'].includes(state.signal.mode), state.signal.mode);
  assert.ok(Object.keys(state.signal.aspects).length >= 8);
  const camera = state.cameras[0];
  assert.is(camera.id, 'cam1');
  assert.is(camera.width, 320);
  assert.equal(Object.keys(camera.totals).sort(), ['count', 'stop']);
  assert.ok(camera.zones.some((zone: { name: string }) => zone.name === 'queue-in-0'));
  assert.ok(Array.isArray(camera.tracks));
  assert.is(state.health.link, 'connected');
  assert.type(state.health.cpuPercent, 'number');
  assert.is(state.monitor.latched, false);
});

test('the state stream sends JSON messages as Server-Sent Events', async () => {
  const messages = await new Promise<string[]>((resolve, reject) => {
    const got: string[] = [];
    const req = request(`${web.base}/api/state/stream`, { headers: bearer() }, (response) => {
      assert.is(response.headers['content-type'], 'text/event-stream');
      let buffer = '';
      response.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        for (const match of buffer.matchAll(/^data: (.*)$/gm)) if (!got.includes(match[1]!)) got.push(match[1]!);
        if (got.length >= 2) {
          req.destroy();
          resolve(got);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
  const [first, second] = messages.map((text) => JSON.parse(text));
  assert.ok(second.at > first.at, 'a fresh state each period');
});

test('snapshot JPEG: downscaled frame with the privacy mask blanked', async () => {
  const response = await fetch(`${web.base}/api/cameras/cam1/snapshot.jpg`, { headers: bearer() });
  assert.is(response.headers.get('content-type'), 'image/jpeg');
  const image = jpeg.decode(Buffer.from(await response.arrayBuffer()));
  assert.is(image.width, 320, 'the 320 px camera is already under streamMaxSide');
  const luminance = (x: number, y: number) => image.data[(y * image.width + x) * 4]!;
  let maskedMax = 0;
  for (let y = 4; y < 116; y += 4) for (let x = 4; x < 156; x += 4) maskedMax = Math.max(maskedMax, luminance(x, y));
  let visibleMax = 0;
  for (let y = 130; y < 236; y += 4) for (let x = 170; x < 316; x += 4) visibleMax = Math.max(visibleMax, luminance(x, y));
  assert.ok(maskedMax < 16, `masked area is black (max ${maskedMax})`);
  assert.ok(visibleMax > 60, `the rest of the scene is visible (max ${visibleMax})`);
});

test('live MJPEG stream: several JPEG parts at the configured rate', async () => {
  const started = Date.now();
  const parts = await new Promise<number>((resolve, reject) => {
    const req = request(`${web.base}/api/cameras/cam1/live.mjpeg`, { headers: bearer() }, (response) => {
      assert.match(response.headers['content-type'] ?? '', /^multipart\/x-mixed-replace; boundary=/);
      let count = 0;
      response.on('data', (chunk: Buffer) => {
        count += chunk.toString('latin1').split('content-type: image/jpeg').length - 1;
        if (count >= 4) {
          req.destroy();
          resolve(count);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
  assert.ok(parts >= 4);
  const elapsed = Date.now() - started;
  assert.ok(elapsed > 400, `4 frames at 5 fps take more than 0.4 s (took ${elapsed} ms)`);
});

test('GET /metrics: Prometheus text with fps, drops, counts, queue, reconnects, monitor and mode', async () => {
  const response = await fetch(`${web.base}/metrics`);
  assert.is(response.status, 200, 'open unless web.metricsToken is set');
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  for (const line of text.trim().split('\n')) {
    assert.ok(/^# (HELP|TYPE) [a-z_0-9]+ .+$/.test(line) || /^[a-z_0-9]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+$/.test(line), `exposition line: ${line}`);
  }
  for (const name of ['nutgiao_camera_fps', 'nutgiao_vision_frames_dropped_total', 'nutgiao_outbox_pending_messages', 'nutgiao_mqtt_reconnects_total', 'nutgiao_monitor_latched', 'nutgiao_process_resident_memory_bytes']) {
    assert.match(text, new RegExp(`^${name}(\\{[^}]*\\})? `, 'm'), name);
  }
  assert.match(text, /^# TYPE nutgiao_line_crossings_total counter$/m);
  assert.match(text, /^nutgiao_line_crossings_total\{camera="cam1",line="count",direction="lr"\} \d+$/m);
  assert.match(text, /^nutgiao_zone_occupancy_ratio\{camera="cam1",zone="queue-in-0"\} /m);
  assert.match(text, /^nutgiao_monitor_latched 0$/m);
});

test('signal changes need confirm: true; the controller then switches at its safe point', async () => {
  const unconfirmed = await postJson(`${web.base}/api/signal/mode`, { mode: 'flash' });
  assert.is(unconfirmed.status, 428);
  assert.match(unconfirmed.body.error, /confirm/);
  const bad = await postJson(`${web.base}/api/signal/mode`, { mode: 'disco', confirm: true });
  assert.is(bad.status, 400);
  assert.match(bad.body.error, /^mode: must be one of normal, flash, all-red, manual/);
  const step = await postJson(`${web.base}/api/signal/step`, { confirm: true });
  assert.is(step.status, 409, 'a manual step outside manual mode is refused by the controller');
  assert.match(step.body.error, /not in manual mode/);
  const reset = await postJson(`${web.base}/api/monitor/reset`, { confirm: true });
  assert.is(reset.status, 200);
  assert.is(reset.body.result.cleared, null, 'nothing was latched');

  const flash = await postJson(`${web.base}/api/signal/mode`, { mode: 'flash', confirm: true });
  assert.is(flash.status, 200, JSON.stringify(flash.body));
  assert.is(flash.body.result.mode, 'flash');
  const state = await eventually('flash', async () => {
    const { body } = await getJson(`${web.base}/api/state`);
    return body.signal.mode === 'flash' ? body : null;
  }, 25_000);
  assert.ok(state.events.some((event: { type: string }) => event.type === 'web.set-mode'), 'the event log shows the change');
  assert.match(await (await fetch(`${web.base}/metrics`)).text(), /^nutgiao_signal_mode\{mode="flash"\} 1$/m);
  assert.is((await postJson(`${web.base}/api/signal/mode`, { mode: 'normal', confirm: true })).status, 200);
});

test('a line edit goes through set-config validation: a bad line is refused naming the field, nothing written', async () => {
  const before = await readFile(web.configPath, 'utf8');
  const { body: config } = await getJson(`${web.base}/api/config`);
  const camera = config.cameras[0];
  const lines = structuredClone(camera.lines);
  lines[0].a.x = -5;
  const refused = await postJson(`${web.base}/api/cameras/cam1/geometry`, { lines, zones: camera.zones, confirm: true });
  assert.is(refused.status, 409);
  assert.match(refused.body.error, /config\.cameras\[0\]\.lines\[0\]\.a\.x/);
  assert.is(await readFile(web.configPath, 'utf8'), before);
  const unconfirmed = await postJson(`${web.base}/api/cameras/cam1/geometry`, { lines: camera.lines, zones: camera.zones });
  assert.is(unconfirmed.status, 428);
  const bodyType = await fetch(`${web.base}/api/cameras/cam1/geometry`, { method: 'POST', headers: { ...bearer(), 'content-type': 'text/plain' }, body: '{}' });
  assert.is(bodyType.status, 415, 'only JSON bodies, so a cross-site form cannot post');
});

test.run();

const refusal = suite('web page credentials');

refusal('a node whose page is reachable from the network without web.token refuses to start, naming web.token', async () => {
  const port = await freePort();
  const { configPath } = await writeTestConfig({
    nodeId: 'web-open',
    mutate: (config) => {
      config.web = { enabled: true, bind: '0.0.0.0', port };
    },
  });
  const node = NodeProcess.spawn(['start', '--config', configPath, '--broker-port', '0']);
  try {
    const exit = await node.exited;
    assert.is.not(exit.code, 0);
    assert.match(node.stderr.join('\n'), /web\.token: the page is bound to 0\.0\.0\.0/);
  } finally {
    await node.stop();
  }
});

refusal('with web.metricsToken, /metrics needs it as a bearer token (the page token does not open it)', async () => {
  const guarded = await startWebNode('web-metrics', { metricsToken: 'scraper-token-1' }, (config) => {
    config.cameras = [];
  });
  try {
    const refused = await fetch(`${guarded.base}/metrics`);
    assert.is(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.is((await fetch(`${guarded.base}/metrics`, { headers: bearer() })).status, 401);
    const scraped = await fetch(`${guarded.base}/metrics`, { headers: bearer('scraper-token-1') });
    assert.is(scraped.status, 200);
    assert.match(await scraped.text(), /^nutgiao_monitor_latched 0$/m);
  } finally {
    await guarded.stop();
  }
});

refusal.run();
