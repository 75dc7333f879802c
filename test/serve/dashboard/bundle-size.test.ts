/**
 * The dashboard's first load stays small: the JavaScript that index.html loads
 * (scripts and module preloads), gzipped as a server would send it, is under
 * 300 KB. Reads the build in dist/dashboard (npm test builds it first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEFAULT_DASHBOARD_DIR } from '../../../src/serve/routes/dashboard-page.js';

const LIMIT_BYTES = 300 * 1024;

/** Files under /dashboard/ that index.html names with the given attribute pattern. */
function referenced(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(pattern)].map((m) => m[1]!.replace(/^\/dashboard\//, ''));
}

test('the first load is under 300 KB of gzipped JavaScript', (t) => {
  const html = readFileSync(join(DEFAULT_DASHBOARD_DIR, 'index.html'), 'utf8');
  const scripts = [...referenced(html, /<script[^>]*\ssrc="([^"]+)"/g), ...referenced(html, /<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)];
  assert.ok(scripts.length >= 1, 'index.html loads a script');
  let raw = 0;
  let gzipped = 0;
  for (const file of scripts) {
    const bytes = readFileSync(join(DEFAULT_DASHBOARD_DIR, file));
    raw += bytes.length;
    gzipped += gzipSync(bytes, { level: 9 }).length;
  }
  const styles = referenced(html, /<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g).reduce((sum, file) => sum + gzipSync(readFileSync(join(DEFAULT_DASHBOARD_DIR, file))).length, 0);
  t.diagnostic(`dashboard first load: ${scripts.length} script(s), ${(raw / 1024).toFixed(1)} KB raw, ${(gzipped / 1024).toFixed(1)} KB gzip; CSS ${(styles / 1024).toFixed(1)} KB gzip`);
  assert.ok(gzipped < LIMIT_BYTES, `${gzipped} bytes of gzipped JavaScript`);
});
