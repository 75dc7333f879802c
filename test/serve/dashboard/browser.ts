/**
 * Chromium for the browser tests: Debian's `chromium` (installed by .ci/run),
 * driven by playwright-core, headless in a fresh profile. Outside CI a missing
 * Chromium skips the tests with the reason; under CI=true it fails them.
 * Not a test file itself: the test runner also runs this module, so it only exports.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Screenshots go to test-artifacts/dashboard at the repository root (ignored by git). */
export const ARTIFACTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../test-artifacts/dashboard');

/** The Chromium executable (CHROMIUM_PATH, else Debian's), or the reason there is none. */
export function findChromium(): { path: string } | { missing: string } {
  const given = process.env['CHROMIUM_PATH'];
  if (given !== undefined && given !== '') return existsSync(given) ? { path: given } : { missing: `CHROMIUM_PATH=${given} does not exist` };
  const found = CANDIDATES.find((path) => existsSync(path));
  return found !== undefined ? { path: found } : { missing: `no Chromium at ${CANDIDATES.join(', ')}: apt-get install chromium (bash .ci/run installs it)` };
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'recoder-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Console errors, uncaught exceptions, failed requests and requests to any
 * origin but `origin` (refused: the page must need nothing from elsewhere), as text.
 */
export async function collectPageErrors(page: Page, origin: string): Promise<string[]> {
  const errors: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:')) return route.continue();
    errors.push(`request outside the server: ${url}`);
    return route.abort();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => errors.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
