import { readFile } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { saveScreenshot } from './screenshots.js';
import { bearer, eventually, getJson, startWebNode, WEB_TOKEN, type WebNode } from './web-node.js';

/**
 * The technician's page in headless Chromium (Debian's chromium, driven by playwright-core) against a whole
 * simulated node: log in, watch the camera and the counts, the flash control's confirmation, and a line
 * edited by dragging and saved through set-config (the node then restarts, exit 75). Screenshots of the
 * main screens go to docs/screenshots/ for the technician's guide.
 */
const test = suite('web page in a browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let web: WebNode;
let browser: Browser;
let page: Page;

test.before(async () => {
  web = await startWebNode('web-browser');
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
});
test.after(async () => {
  await browser?.close();
  await web?.stop();
});

test('a wrong password is refused; the right one opens the page, first render measured', async () => {
  const started = Date.now();
  await page.goto(web.base);
  await page.fill('#token', 'not-the-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('form.login [role=alert]');
  assert.match(await page.textContent('form.login [role=alert]') ?? '', /wrong password or token/);
  await saveScreenshot(page, 'login-refused');
  await page.fill('#token', WEB_TOKEN);
  const loggedIn = Date.now();
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-group]');
  console.log(`  first render after login: ${Date.now() - loggedIn} ms (page load to login form and render: ${Date.now() - started} ms)`);
});

test('the camera image updates, and the counts and signal heads follow the node', async () => {
  await page.waitForSelector('img[data-camera=cam1]');
  // Runs in the page (a string, since this project's types have no DOM): a checksum of the image now shown.
  const fingerprint = () =>
    page.evaluate<number | null>(`(() => {
      const image = document.querySelector('img[data-camera=cam1]');
      if (!image.naturalWidth) return null;
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let sum = 0;
      for (let i = 0; i < data.length; i += 4) sum = (sum * 31 + data[i]) % 2147483647;
      return sum;
    })()`);
  const first = await eventually('a first camera frame', fingerprint, 10_000);
  await eventually('a different camera frame', async () => (await fingerprint()) !== first, 10_000);

  // Both lines together: while the startup all-red holds the inbound lanes, only outbound traffic crosses.
  const total = async () => (await page.$$eval('[data-line-count]', (badges) => badges.map((badge) => Number(badge.getAttribute('data-total'))))).reduce((sum, value) => sum + value, 0);
  const before = await total();
  await eventually('the lines to count a vehicle', async () => (await total()) > before, 30_000);

  const { body: state } = await getJson(`${web.base}/api/state`);
  const shown = await page.$$eval('[data-group]', (heads) => heads.map((head) => head.getAttribute('data-group')));
  assert.equal(shown.sort(), Object.keys(state.signal.aspects).sort(), 'one head per signal group');
  assert.match(await page.textContent('[data-health]') ?? '', /connected/);
  await saveScreenshot(page.locator('section:has(img[data-camera=cam1])'), 'live');
  await saveScreenshot(page.locator('section:has(> h2:text-is("Signal"))'), 'signal');
  await saveScreenshot(page.locator('section:has([data-health])'), 'health');
});

test('flash needs the confirmation dialog; cancel changes nothing, confirm sends it', async () => {
  await page.click('[data-mode-button=flash]');
  await page.waitForSelector('dialog[open]');
  assert.match(await page.textContent('dialog[open]') ?? '', /Switch to flash\?/);
  await saveScreenshot(page, 'flash-confirmation');
  await page.click('dialog[open] >> text=Cancel');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  const { body: unchanged } = await getJson(`${web.base}/api/state`);
  assert.is.not(unchanged.signal.mode, 'flash');
  assert.not.ok(unchanged.events.some((event: { type: string }) => event.type === 'web.set-mode'), 'nothing was sent');

  await page.click('[data-mode-button=flash]');
  await page.click('dialog[open] >> button.danger');
  await page.waitForSelector('text=Flash: done');
  const { body: after } = await getJson(`${web.base}/api/state`);
  assert.ok(after.events.some((event: { type: string }) => event.type === 'web.set-mode'));
});

test('dragging a line end and saving changes the config through set-config; a bad name is refused', async () => {
  await page.click('text=Edit lines and zones');
  const box = (await page.locator('canvas[data-overlay=cam1]').boundingBox())!;
  const { body: config } = await getJson(`${web.base}/api/config`, bearer());
  const stop = config.cameras[0].lines.find((line: { name: string }) => line.name === 'stop');
  const at = (x: number, y: number) => ({ x: box.x + (x / 320) * box.width, y: box.y + (y / 240) * box.height });
  const from = at(stop.a.x, stop.a.y);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 20, from.y + 30, { steps: 5 });
  await page.mouse.up();

  const name = page.locator('input[aria-label="line name"]').first();
  await name.fill('bad name!');
  await name.press('Tab');
  await page.click('button:has-text("Save")');
  await page.click('dialog[open] >> button.danger');
  await page.waitForSelector('p.error[role=status]');
  assert.match(await page.textContent('p.error[role=status]') ?? '', /config\.cameras\[0\]\.lines\[0\]\.name/);
  await saveScreenshot(page.locator('section:has(canvas[data-overlay=cam1])'), 'editor');

  await page.click('text=Undo');
  assert.is(await name.inputValue(), 'stop', 'undo brings the name back');
  await page.click('button:has-text("Save")');
  await page.click('dialog[open] >> button.danger');
  await page.waitForSelector('text=Saved.');
  const exit = await web.node.exited;
  assert.is(exit.code, 75, 'the node restarts to apply the config, as after set-config');
  const written = JSON.parse(await readFile(web.configPath, 'utf8'));
  const moved = written.cameras[0].lines.find((line: { name: string }) => line.name === 'stop');
  assert.ok(Math.abs(moved.a.x - (stop.a.x + (20 * 320) / box.width)) < 1.5, `a.x moved by the drag: ${stop.a.x} -> ${moved.a.x}`);
  assert.ok(moved.a.y > stop.a.y + 5, `a.y moved by the drag: ${stop.a.y} -> ${moved.a.y}`);
  assert.equal(moved.b, stop.b, 'the other end stayed');
});

test.run();
