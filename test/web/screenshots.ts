import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../support/node-process.js';

/**
 * Where the browser tests keep screenshots of the main screens: docs/screenshots/, which the
 * technician's guide (docs/technician.md) shows, so every run refreshes them; NUTGIAO_SCREENSHOT_DIR
 * sends them elsewhere.
 */
export const SCREENSHOT_DIR = process.env.NUTGIAO_SCREENSHOT_DIR ?? join(PROJECT_ROOT, 'docs', 'screenshots');

/** A PNG of the page, or of one part of it (a panel), as docs/screenshots/<name>.png. */
export async function saveScreenshot(target: Page | Locator, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await target.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), animations: 'disabled' });
}
