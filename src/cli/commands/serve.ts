import { Command, InvalidArgumentError, Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { buildApp, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_MAX_USER_EVENTS, DEFAULT_POPULAR_CACHE_MS, DEFAULT_POPULAR_WINDOW_MS, DEFAULT_RATE_LIMIT, DEFAULT_WATCH_INTERVAL_MS } from '../../serve/app.js';
import { parseDuration } from '../../serve/duration.js';
import { checkModelDirectory, removeAbandonedTemporaries } from '../../serve/model-versions.js';
import { DEFAULT_NEW_ITEM_OPTIONS } from '../../serve/new-items.js';
import { describeStoreLocation, openEventStore } from '../../serve/open-store.js';
import { DEFAULT_SCORE_BATCHING } from '../../serve/score-batcher.js';
import { DEFAULT_RECENT_EVENTS_CACHE } from '../../store/sqlite-store.js';
import { describeBackend } from '../../engine/index.js';
import { parseInteger, parseNumber } from '../data-options.js';
import { collect } from '../model-options.js';
import { trainingConfigFrom } from './train-store.js';

interface ServeOptions {
  dataDir: string;
  databaseUrl?: string;
  modelDir?: string;
  evaluationsDir?: string;
  host: string;
  port: number;
  apiKey?: string[];
  adminKey?: string[];
  bodyLimit: number;
  rateLimit: number | false;
  rateWindow: number;
  watchInterval: number;
  trainModel: string;
  trainParam: string[];
  trainEvery?: number;
  trainMinItemUsers: number;
  trainEventTypes?: string;
  trainMinValue?: number;
  keepVersions: number;
  readyWithoutModel?: boolean;
  popularWindow: number;
  popularCache: number;
  maxUserEvents: number;
  userHistoryCache: number;
  sqliteSynchronous: 'full' | 'normal';
  scoreBatch: number;
  scoreBatchWindow: number;
  newItemNeighbours: number;
  newItemRefresh: number;
  logLevel: string;
}

const duration = (option: string) => (text: string): number => {
  try {
    return parseDuration(text, option);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
function parseBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`--body-limit takes a size like 4mb, 512kb or 1048576, got '${text}'`);
  return Math.round(Number(match[1]) * BYTE_UNITS[(match[2] ?? '').toLowerCase()]!);
}

/** Keys from repeated options and a comma-separated environment variable. */
function keysFrom(given: readonly string[], variable: string): string[] {
  const fromEnv = (process.env[variable] ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  return [...given, ...fromEnv];
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve recommendations over HTTP: users, items and events in an event store, models from a model directory (swapped when a new version appears)')
    .option('--data-dir <dir>', 'folder of the embedded store (DIR/events.sqlite) and, by default, of the models (DIR/models)', 'recoder-data')
    .option('--database-url <url>', 'PostgreSQL instead of SQLite: postgres://user:pass@host:5432/db (or env RECODER_DATABASE_URL)')
    .option('--model-dir <dir>', 'model versions written by `recoder train-store` or by this server (default: DATA-DIR/models)')
    .option('--evaluations-dir <dir>', 'saved `recoder evaluate --json` results the dashboard shows (default: DATA-DIR/evaluations)')
    .option('--host <host>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', parseInteger('--port'), 8080)
    .option('--api-key <key>', 'read key: may read and ask for recommendations; repeatable (or env RECODER_API_KEYS=k1,k2)', collect)
    .option('--admin-key <key>', 'admin key: may also write, delete, reload and train; repeatable (or env RECODER_ADMIN_KEYS=k1,k2)', collect)
    .addOption(new Option('--body-limit <size>', 'largest request body (413 beyond it)').argParser(parseBytes).default(DEFAULT_BODY_LIMIT_BYTES, '4mb'))
    .option('--rate-limit <n>', 'requests per --rate-window per key (or per address without a valid key)', parseInteger('--rate-limit'), DEFAULT_RATE_LIMIT.max)
    .option('--no-rate-limit', 'turn rate limiting off (e.g. behind a gateway that limits, or for load tests)')
    .addOption(new Option('--rate-window <duration>', 'the rate-limit window').argParser(duration('--rate-window')).default(DEFAULT_RATE_LIMIT.timeWindowMs, '1s'))
    .addOption(
      new Option('--watch-interval <duration>', "how often to look for a new model version ('0': only on POST /v1/admin/models/reload)")
        .argParser(duration('--watch-interval'))
        .default(DEFAULT_WATCH_INTERVAL_MS, '5s'),
    )
    .option('--train-model <name>', 'model trained by POST /v1/admin/models/train and --train-every', 'ease')
    .option('--train-param <name=value>', 'its hyper-parameters; repeatable', collect, [])
    .option('--train-every <duration>', 'train a new version on the stored events this often (and at start when there is none), in a worker thread', duration('--train-every'))
    .option('--train-min-item-users <n>', 'leave items with fewer distinct users out of training', parseInteger('--train-min-item-users'), 1)
    .option('--train-event-types <types>', 'comma-separated event types that count as interactions (default: all)')
    .option('--train-min-value <x>', 'events with a value below x do not count (e.g. ratings under 4)', parseNumber('--train-min-value'))
    .option('--keep-versions <n>', 'model versions kept on disk', parseInteger('--keep-versions'), 5)
    .option('--ready-without-model', 'report ready before any model is trained (recommendations then come from the popular fallback)')
    .addOption(new Option('--popular-window <duration>', 'recency window of the popular fallback').argParser(duration('--popular-window')).default(DEFAULT_POPULAR_WINDOW_MS, '30d'))
    .addOption(
      new Option('--popular-cache <duration>', "how long a popular-items ranking is reused ('0': count on every request)")
        .argParser(duration('--popular-cache'))
        .default(DEFAULT_POPULAR_CACHE_MS, '1m'),
    )
    .option('--max-user-events <n>', "most recent events of a user that one recommendation reads (1..10000)", parseInteger('--max-user-events'), DEFAULT_MAX_USER_EVENTS)
    .option(
      '--user-history-cache <events>',
      "SQLite: events of recently asked-for users held in memory (their newest --max-user-events each), kept exact on writes ('0': read the store on every request)",
      parseInteger('--user-history-cache'),
      DEFAULT_RECENT_EVENTS_CACHE.maxEvents,
    )
    .addOption(
      new Option('--sqlite-synchronous <mode>', "SQLite: 'full' waits for the disk at every commit (acknowledged events survive a power loss); 'normal' does not (they survive a killed server, not a crashed machine)")
        .choices(['full', 'normal'])
        .default('full'),
    )
    .option('--score-batch <rows>', "most concurrent requests scored in one call ('1': each alone)", parseInteger('--score-batch'), DEFAULT_SCORE_BATCHING.maxRows)
    .addOption(
      new Option('--score-batch-window <duration>', "how long a request waits for others to be scored with ('0': only those arriving in the same event-loop turn)")
        .argParser(duration('--score-batch-window'))
        .default(DEFAULT_SCORE_BATCHING.windowMs, '0'),
    )
    .option(
      '--new-item-neighbours <k>',
      "items newer than the served model are ranked through their k catalogue items of most similar attributes ('0': leave them out until the next version)",
      parseInteger('--new-item-neighbours'),
      DEFAULT_NEW_ITEM_OPTIONS.neighbours,
    )
    .addOption(
      new Option('--new-item-refresh <duration>', 'longest time before an item written outside this server (an import, another replica) is found as new')
        .argParser(duration('--new-item-refresh'))
        .default(DEFAULT_NEW_ITEM_OPTIONS.refreshMs, '30s'),
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug (logs are JSON lines on stderr)', 'info')
    .action(async (options: ServeOptions) => {
      const databaseUrl = options.databaseUrl ?? process.env['RECODER_DATABASE_URL'];
      const storeSpec = databaseUrl ?? join(options.dataDir, 'events.sqlite');
      const modelDir = resolve(options.modelDir ?? join(options.dataDir, 'models'));
      let read = keysFrom(options.apiKey ?? [], 'RECODER_API_KEYS');
      let admin = keysFrom(options.adminKey ?? [], 'RECODER_ADMIN_KEYS');
      const generatedKeys = read.length === 0 && admin.length === 0;
      if (generatedKeys) {
        read = [randomBytes(18).toString('base64url')];
        admin = [randomBytes(18).toString('base64url')];
      }
      const training = trainingConfigFrom({
        model: options.trainModel,
        params: options.trainParam,
        minItemUsers: options.trainMinItemUsers,
        ...(options.trainEventTypes !== undefined ? { eventTypes: options.trainEventTypes } : {}),
        ...(options.trainMinValue !== undefined ? { minValue: options.trainMinValue } : {}),
        keepVersions: options.keepVersions,
      });
      if (options.maxUserEvents < 1 || options.maxUserEvents > 10_000) throw new Error(`--max-user-events must be in 1..10000, got ${options.maxUserEvents}`);
      if (options.trainEvery !== undefined && options.trainEvery < 1000) throw new Error(`--train-every must be at least 1s, got ${options.trainEvery} ms`);
      await checkModelDirectory(modelDir);
      const cleaned = await removeAbandonedTemporaries(modelDir);
      if (options.newItemNeighbours < 0) throw new Error(`--new-item-neighbours must be 0 or more, got ${options.newItemNeighbours}`);
      if (options.scoreBatch < 1) throw new Error(`--score-batch must be at least 1, got ${options.scoreBatch}`);
      if (options.userHistoryCache < 0) throw new Error(`--user-history-cache must be 0 or more, got ${options.userHistoryCache}`);
      const store = await openEventStore(storeSpec, {
        recentEvents: options.userHistoryCache === 0 ? false : { eventsPerUser: options.maxUserEvents, maxEvents: options.userHistoryCache },
        synchronous: options.sqliteSynchronous,
      });
      const app = await buildApp({
        store,
        modelDir,
        apiKeys: { read, admin },
        bodyLimitBytes: options.bodyLimit,
        rateLimit: options.rateLimit === false ? false : { max: options.rateLimit, timeWindowMs: options.rateWindow },
        logger: { level: options.logLevel, stream: process.stderr },
        watchIntervalMs: options.watchInterval,
        training: { ...training, ...(options.trainEvery !== undefined ? { everyMs: options.trainEvery } : {}) },
        readyWithoutModel: options.readyWithoutModel ?? false,
        popularWindowMs: options.popularWindow,
        popularCacheMs: options.popularCache,
        maxUserEvents: options.maxUserEvents,
        scoreBatching: { maxRows: options.scoreBatch, windowMs: options.scoreBatchWindow },
        newItems: options.newItemNeighbours === 0 ? false : { neighbours: options.newItemNeighbours, refreshMs: options.newItemRefresh },
        evaluationsDir: resolve(options.evaluationsDir ?? join(options.dataDir, 'evaluations')),
      });
      let closing = false;
      const shutdown = (signal: string) => {
        if (closing) return;
        closing = true;
        app.log.info({ signal }, 'shutting down: finishing requests in flight');
        void app
          .close()
          .then(() => store.close())
          .then(() => process.exit(0), (e: Error) => {
            process.stderr.write(`recoder: error while shutting down: ${e.message}\n`);
            process.exit(1);
          });
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));

      if (cleaned.length > 0) app.log.info({ removed: cleaned }, 'removed temporary files left in the model directory by killed trainers');
      await app.listen({ host: options.host, port: options.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      const host = options.host.includes(':') ? `[${options.host}]` : options.host;
      const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
      const lines = [
        `recoder serving on ${url}`,
        `  store: ${describeStoreLocation(storeSpec)}`,
        `  models: ${modelDir} (engine: ${describeBackend()})`,
        `  API: ${url}/openapi.json  health: ${url}/health/ready  metrics: ${url}/metrics`,
        `  dashboard: ${url}/dashboard/ (enter a key there)`,
      ];
      if (generatedKeys) {
        lines.push(`  no keys given, so these were generated for this run (pass --api-key/--admin-key or RECODER_API_KEYS/RECODER_ADMIN_KEYS to keep keys):`);
        lines.push(`    read key:  ${read[0]}`, `    admin key: ${admin[0]}`);
      }
      // A user the store knows makes the example answer with real items; '1' is a MovieLens user id.
      const exampleUser = (await store.listUsers({ limit: 1 })).records[0]?.id ?? '1';
      // The example uses a read key; with only admin keys given, a placeholder, never the admin key.
      const exampleKey = read[0] ?? 'YOUR-READ-KEY';
      lines.push(`try:`, `  curl -H 'X-API-Key: ${exampleKey}' '${url}/v1/users/${encodeURIComponent(exampleUser)}/recommendations?n=10'`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}

