/**
 * The dashboard's static files (built by `npm run build:dashboard` into
 * dist/dashboard), served under /dashboard/ without an API key: they hold no
 * data; the page asks for a key and sends it with every API call. Files are
 * read into memory at start, so a path is served only when it is one of them
 * (no path from the request ever reaches the file system).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import type { DashboardRouteOptions } from '../dashboard/services.js';
import { ApiError } from '../errors.js';

/** dist/dashboard beside dist/src, where this file is compiled to dist/src/serve/routes. */
export const DEFAULT_DASHBOARD_DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../dashboard');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Only this origin: nothing is fetched from elsewhere at run time. Inline style attributes are what the chart library sets. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  /** Hashed names under assets/ never change. */
  readonly immutable: boolean;
}

function readTree(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const rel = relative(dir, path).split(sep).join('/');
        files.set(rel, { body: readFileSync(path), type: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', immutable: rel.startsWith('assets/') });
      }
    }
  };
  walk(dir);
  return files;
}

export const dashboardPageRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app, { dashboardDir }) => {
  const dir = dashboardDir ?? DEFAULT_DASHBOARD_DIR;
  const files = existsSync(join(dir, 'index.html')) ? readTree(dir) : null;
  const open = { access: 'public' as const };
  const hidden = { hide: true };

  app.get('/dashboard', { config: open, schema: hidden }, async (_request, reply) => reply.redirect('/dashboard/', 301));

  app.get<{ Params: { '*': string } }>('/dashboard/*', { config: open, schema: hidden }, async (request, reply) => {
    if (files === null) {
      throw new ApiError(503, 'dashboard_not_built', `the dashboard is not built (no ${join(dir, 'index.html')}): run npm run build:dashboard`);
    }
    const path = request.params['*'] === '' ? 'index.html' : request.params['*'];
    const file = files.get(path);
    if (file === undefined) throw new ApiError(404, 'not_found', `no dashboard file '${path.slice(0, 200)}'`);
    return reply
      .type(file.type)
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(file.body);
  });
};
