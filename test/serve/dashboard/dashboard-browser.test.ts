/**
 * The dashboard in a real browser (Chromium via playwright-core) against a
 * server on a temporary store: every page loads without a console error, the
 * try-it flow recommends titled items for a user and for a session, the
 * Mult-DAE version's training curve renders, admin buttons show only for an
 * admin key, and every API call the page makes is in the OpenAPI document.
 * Screenshots are saved under test-artifacts/dashboard.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN_KEY, READ_KEY } from '../helpers.js';
import { collectPageErrors, findChromium, launchChromium, screenshot, type Browser } from './browser.js';
import { openDashboardService, type DashboardService } from './fixture.js';

const chromiumFound = findChromium();
const skip = 'missing' in chromiumFound && process.env['CI'] !== 'true' ? `browser tests skipped: ${chromiumFound.missing}` : false;

let service: DashboardService;
let browser: Browser;
let origin: string;
/** Every API request the pages made: 'GET /v1/stats'. */
const apiCalls = new Set<string>();

before(async () => {
  if (skip) return;
  if ('missing' in chromiumFound) throw new Error(`CI=true but ${chromiumFound.missing}`);
  service = await openDashboardService();
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const address = service.app.server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  browser = await launchChromium(chromiumFound.path);
});

after(async () => {
  if (skip) return;
  await browser?.close();
  await service?.close();
});

/** A fresh tab signed in with `key`, its errors collected. */
async function openDashboard(key: string, hash = ''): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors = await collectPageErrors(page, origin);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin === origin && url.pathname.startsWith('/v1/')) apiCalls.add(`${request.method()} ${url.pathname}`);
  });
  await page.goto(`${origin}/dashboard/${hash}`);
  await page.getByTestId('key-input').fill(key);
  await page.getByTestId('key-submit').click();
  await page.getByTestId('access').waitFor();
  return { page, errors };
}

async function goTo(page: Page, name: 'overview' | 'models' | 'evaluations' | 'try'): Promise<void> {
  await page.getByTestId(`nav-${name}`).click();
  await page.getByTestId(`page-${name}`).waitFor();
}

test('the key form opens the overview: store counts, events per day, served model, service latencies', { skip }, async () => {
  const { page, errors } = await openDashboard(READ_KEY);
  try {
    assert.equal(await page.getByTestId('access').textContent(), 'read key');
    await page.getByTestId('page-overview').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=count-items]')?.textContent === '48');
    assert.equal(await page.getByTestId('count-users').textContent(), '96');
    assert.equal(await page.getByTestId('served-model').textContent(), 'mult-dae');
    await page.locator('[data-testid=events-per-day] canvas').waitFor();
    await page.getByTestId('service-stats').waitFor();
    assert.match((await page.getByTestId('service-stats').textContent()) ?? '', /since start/);
    await screenshot(page, 'overview');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('models: every version listed; the Mult-DAE training curve renders with its best epoch; EASE has none', { skip }, async () => {
  const { page, errors } = await openDashboard(READ_KEY, '#/models');
  try {
    await page.getByTestId('page-models').waitFor();
    await page.locator('[data-testid=versions] tbody tr').nth(1).waitFor();
    assert.equal(await page.locator('[data-testid=versions] tbody tr').count(), 2);
    const curve = page.getByTestId('training-curve');
    await curve.locator('canvas').waitFor();
    const summary = (await page.getByTestId('training-summary').textContent()) ?? '';
    assert.match(summary, /12 epochs; best epoch \d+ with ndcg@100 0\.\d{4}/);
    const legend = (await curve.locator('.u-legend').textContent()) ?? '';
    assert.match(legend, /training loss/);
    assert.match(legend, /ndcg@100/);
    // The canvas holds drawn lines, not an empty plot: wait until enough pixels are not background.
    await page.waitForFunction(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid=training-curve] canvas');
      const pixels = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; pixels !== undefined && i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
      return inked > 1000;
    });
    assert.equal(await page.getByTestId('admin-actions').count(), 0, 'no admin buttons for a read key');
    await screenshot(page, 'models-mult-dae');
    await page.locator('[data-testid=versions] tbody tr', { hasText: 'ease' }).click();
    await page.getByTestId('no-training-curve').waitFor();
    await screenshot(page, 'models-ease');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('evaluations: runs sort by a metric, two compare side by side, a chart per metric', { skip }, async () => {
  const { page, errors } = await openDashboard(READ_KEY, '#/evaluations');
  try {
    const table = page.getByTestId('evaluations-table');
    await table.locator('tbody tr').nth(1).waitFor();
    // A click re-renders on the next tick: wait for the row order rather than read it at once.
    await table.locator('th', { hasText: 'ndcg@100' }).click();
    await table.locator('tbody tr').first().filter({ hasText: /^ease.*0\.3900 ± 0\.0120/ }).waitFor();
    await table.locator('th', { hasText: 'ndcg@100' }).click();
    await table.locator('tbody tr').first().filter({ hasText: /^popularity/ }).waitFor();
    await page.getByTestId('metric-chart-ndcg@100').waitFor();
    await page.getByTestId('metric-chart-recall@20').waitFor();
    await table.locator('input[type=checkbox]').nth(0).check();
    await table.locator('input[type=checkbox]').nth(1).check();
    const side = page.getByTestId('side-by-side');
    await side.waitFor();
    assert.match((await side.textContent()) ?? '', /\+0\.1800 ± 0\.0170 \*/);
    assert.equal(await page.getByTestId('admin-upload').count(), 0, 'no upload for a read key');
    await screenshot(page, 'evaluations');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('try it: a user and an anonymous session get recommendations with titles; similar items for one of them', { skip }, async () => {
  const { page, errors } = await openDashboard(READ_KEY, '#/try');
  try {
    await page.getByTestId('page-try').waitFor();
    await page.getByTestId('user-input').fill('user2');
    await page.getByTestId('user-submit').click();
    const userRows = page.locator('[data-testid=user-results] [data-testid=recommended-item]');
    await userRows.nth(9).waitFor();
    assert.equal(await userRows.count(), 10);
    assert.equal(await page.locator('[data-testid=user-results] [data-testid=source]').textContent(), 'model');
    // Categories are looked up after the recommendations arrive.
    await page.waitForFunction(() => document.querySelector('[data-testid=user-results] [data-testid=recommended-item] td:nth-child(4)')?.textContent !== '');
    // user2 likes Horror (2 mod 4): the top item is a titled Horror item with its category.
    assert.match((await userRows.first().textContent()) ?? '', /^1Horror Story \d+ \(\d{4}\)m\d+Horror\d\.\d{4}similar$/);

    await page.getByTestId('item-search').fill('western story 1');
    await page.getByTestId('search-results').locator('button').first().waitFor();
    await page.getByTestId('search-results').locator('button').nth(0).click();
    await page.getByTestId('search-results').locator('button').nth(1).click();
    await page.getByTestId('session-submit').click();
    const sessionRows = page.locator('[data-testid=session-results] [data-testid=recommended-item]');
    await sessionRows.first().waitFor();
    assert.equal(await page.locator('[data-testid=session-results] [data-testid=source]').textContent(), 'fold-in');
    assert.match((await sessionRows.first().locator('td.title').textContent()) ?? '', /^Western Story \d+ \(\d{4}\)$/);
    await page.waitForFunction(() => document.querySelector('[data-testid=session-results] [data-testid=recommended-item] td:nth-child(4)')?.textContent === 'Western');

    await sessionRows.first().locator('button', { hasText: 'similar' }).click();
    await page.locator('[data-testid=similar-results] [data-testid=recommended-item]').first().waitFor();
    await screenshot(page, 'try-it');
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('an admin key shows the rollback, train and upload actions, and a rollback swaps the served version', { skip }, async () => {
  const { page, errors } = await openDashboard(ADMIN_KEY, '#/models');
  try {
    assert.equal(await page.getByTestId('access').textContent(), 'admin key');
    await page.getByTestId('admin-actions').waitFor();
    assert.equal(await page.getByTestId('admin-actions').locator('button').count(), 2);
    await page.getByTestId('admin-actions').locator('button', { hasText: 'Train now' }).waitFor();
    await screenshot(page, 'models-admin');
    // Roll back from the served Mult-DAE to the EASE version before it (confirming the dialog).
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByTestId('admin-actions').locator('button', { hasText: 'Roll back' }).click();
    await page.getByTestId('admin-actions').filter({ hasText: `Rolled back: now serving ${service.easeVersion}.` }).waitFor();
    await page.locator('[data-testid=versions] tbody tr', { hasText: 'ease' }).filter({ hasText: 'served' }).waitFor();
    assert.equal((await (await fetch(`${origin}/v1/stats`, { headers: { 'x-api-key': READ_KEY } })).json()).servedModel, 'ease');
    await goTo(page, 'evaluations');
    await page.getByTestId('admin-upload').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test('every API call the pages made is an operation of the OpenAPI document', { skip }, async () => {
  const document = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase(), pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`) })),
  );
  assert.ok(apiCalls.size >= 10, [...apiCalls].join(', '));
  for (const call of apiCalls) {
    const [method, path] = call.split(' ') as [string, string];
    assert.ok(operations.some((o) => o.method === method && o.pattern.test(path)), `${call} is not in /openapi.json`);
  }
});
