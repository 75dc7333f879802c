/**
 * Property-based fuzzing of the HTTP API (issue 16, item 18), with fast-check:
 * every route of the OpenAPI document gets requests built from its own
 * schema with hostile values (NUL, unpaired surrogates, control bytes, very
 * long strings, ±Infinity and NaN-like text, huge, negative and fractional
 * numbers, deep nesting, unknown fields, arbitrary JSON, malformed bodies and
 * percent-encodings). The properties:
 *
 * - never a 5xx, and every error is the JSON error shape;
 * - a write that is refused stores nothing (no partial batch);
 * - with PostgreSQL (RECODER_TEST_DATABASE_URL), the same request sequence
 *   gets the same status and error code from a SQLite-backed and a
 *   PostgreSQL-backed server.
 *
 * Seeded (a failure prints the seed and the shrunk request, so it replays)
 * and bounded in runs per route, so it adds seconds to `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type { EventStore } from '../../src/store/event-store.js';
import { SqliteEventStore } from '../../src/store/sqlite-store.js';
import { openTestPostgresStore } from '../store/postgres-helpers.js';
import { ADMIN_KEY, READ_KEY, openTrainedService, tempDir, type TestService } from './helpers.js';

const SEED = 20_261_216;
/** Requests per route; fewer in npm test's second pass (the reference engine), which adds little to an API fuzz. */
const RUNS_PER_ROUTE = process.env.RECODER_BACKEND === 'reference' ? 10 : 30;

type Schema = Record<string, any>;
interface Operation {
  readonly method: string;
  /** OpenAPI path, e.g. /v1/users/{id}. */
  readonly path: string;
  readonly parameters: readonly { name: string; in: 'path' | 'query'; schema: Schema }[];
  readonly body?: Schema;
}
interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d\ude00',
  '\u001b[31mred\u001b[0m',
  '\r\n',
  '\u2028',
  '\ufeff',
  '../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE events; --',
  '%00',
  '__proto__',
  'constructor',
  'i1',
  'i3',
  'u1',
  'books',
  '1',
  'x'.repeat(257),
  'y'.repeat(1100),
];
const NUMBER_TEXTS = ['Infinity', '-Infinity', '1e309', '-1e999', 'NaN', '0', '-1', '1.5', '1e3', '0x10', '', ' 5', '10', '1', '100', '101', '1000', '1001', '999999999999999999999', 'true', 'null', '[]'];
const RAW_BODIES = ['{', '[]', 'null', '1e309', '"text"', '{"n": 1e309}', '{"__proto__": {"x": 1}}', `{"attributes": ${'['.repeat(5000)}${']'.repeat(5000)}}`, '{"id": "a\\u0000"}', '{"id": "\\ud800"}', '\u0000'];

/** Values a real client would send, so that many requests get past validation into the handlers and the stores. */
const plausibleString = fc.constantFrom('u1', 'u2', 'u7', 'p0', 'i1', 'i2', 'i3', 'i11', 'new-item', 'books', 'music', 'view', 'rating', 'i1,i2', 'Item 1');
const plausibleNumber = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(1, 5, 10, 100, 1_000_000));
/** null most of the time, else a value: for the occasional unknown field or parameter. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\u001f', '\u007f', 'a', ','), loneSurrogate), maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);
const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: -5, max: 2000 }),
  fc.constantFrom(0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -0),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
/** JSON with hostile strings as keys and values, a few levels deep. */
const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const deepJson = fc.integer({ min: 20, max: 60 }).map((depth) => JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)) as unknown);

/** Values for a JSON schema: mostly of its shape with hostile contents, sometimes anything. */
function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  const shaped: fc.Arbitrary<unknown>[] = [];
  if (schema.enum) shaped.push(fc.constantFrom(...(schema.enum as unknown[])));
  for (const type of types) {
    if (type === 'string') shaped.push(fc.oneof({ weight: 8, arbitrary: plausibleString }, { weight: 1, arbitrary: hostileString }));
    else if (type === 'integer' || type === 'number') shaped.push(fc.oneof({ weight: 8, arbitrary: plausibleNumber }, { weight: 1, arbitrary: hostileNumber }));
    else if (type === 'boolean') shaped.push(fc.boolean());
    else if (type === 'null') shaped.push(fc.constant(null));
    else if (type === 'array') shaped.push(fc.array(depth > 3 ? hostileJson : valueFor(schema.items ?? {}, depth + 1), { maxLength: 4 }));
    else if (type === 'object' && schema.properties !== undefined && Object.keys(schema.properties).length > 0) {
      const properties = schema.properties as Record<string, Schema>;
      const model = Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, depth > 3 ? hostileJson : valueFor(property, depth + 1)]));
      const required = ((schema.required ?? []) as string[]).filter((key) => key in model);
      shaped.push(
        fc
          .tuple(fc.oneof(fc.record(model, { requiredKeys: required }), fc.record(model, { requiredKeys: [] })), rarely(fc.tuple(hostileString, hostileJson)))
          .map(([record, extra]) => (extra === null ? record : { ...record, [extra[0]]: extra[1] })),
      );
      // The one-or-many bodies ({ id, ... } or { users: [...] }): each form on its own, with its required fields.
      for (const [key, property] of Object.entries(properties)) {
        if (property.type === 'array' && property.items?.type === 'object' && Array.isArray(property.items.required) && depth === 0) {
          const one = valueFor(property.items, depth + 1);
          shaped.push(one, fc.array(one, { minLength: 1, maxLength: 4 }).map((records) => ({ [key]: records })));
        }
      }
    } else if (type === 'object') shaped.push(fc.dictionary(hostileString, hostileJson, { maxKeys: 4 }), deepJson);
  }
  if (shaped.length === 0) return hostileJson;
  return fc.oneof({ weight: 20, arbitrary: fc.oneof(...shaped) }, { weight: 1, arbitrary: hostileJson });
}

/** Text for a path or query parameter: hostile values percent-encoded, or raw (malformed) encodings. */
function textFor(schema: Schema): fc.Arbitrary<string> {
  const numeric = schema.type === 'integer' || schema.type === 'number';
  const plausible = numeric ? fc.constantFrom('1', '3', '5', '10', '0', '20') : schema.type === 'boolean' ? fc.constantFrom('true', 'false') : plausibleString;
  const hostile = numeric || schema.type === 'boolean' ? fc.constantFrom(...NUMBER_TEXTS, 'false', 'yes') : hostileString;
  const encode = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, ''));
  return fc.oneof(
    { weight: 8, arbitrary: plausible.map(encode) },
    { weight: 3, arbitrary: fc.oneof(hostile, hostileString).map(encode) },
    { weight: 1, arbitrary: fc.constantFrom('%00', '%ED%A0%80', '%ZZ', '%', '%C0%AF', 'a%2Fb', '..%2F..', '%FF%FE') },
  );
}

function requestFor(operation: Operation): fc.Arbitrary<FuzzRequest> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  const path = fc.tuple(...pathParameters.map((p) => textFor(p.schema))).map((values) => {
    let url = operation.path;
    pathParameters.forEach((p, i) => (url = url.replace(`{${p.name}}`, values[i] === '' ? 'x' : values[i]!)));
    return url;
  });
  const query = fc
    .tuple(
      fc.record(Object.fromEntries(queryParameters.map((p) => [p.name, textFor(p.schema)])), { requiredKeys: [] }),
      rarely(fc.tuple(fc.constantFrom('unknown', 'n', 'limit', '__proto__', 'a[b]'), textFor({ type: 'string' }))),
    )
    .map(([known, extra]) => {
      const pairs = Object.entries(known).map(([k, v]) => `${k}=${v}`);
      if (extra !== null) pairs.push(`${extra[0]}=${extra[1]}`);
      return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
    });
  const body =
    operation.body === undefined
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: 8, arbitrary: valueFor(operation.body).map((value) => JSON.stringify(value) ?? 'null') },
          { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
        );
  // Mostly the admin key, so requests get past authentication to the validation and the handlers.
  const key = fc.oneof({ weight: 8, arbitrary: fc.constant(ADMIN_KEY) }, { weight: 1, arbitrary: fc.constantFrom<string | undefined>(READ_KEY, undefined, 'wrong-key') });
  return fc.tuple(path, query, body, key).map(([p, q, payload, apiKey]) => ({
    method: operation.method.toUpperCase(),
    url: `${p}${q}`,
    headers: { ...(apiKey !== undefined ? { 'x-api-key': apiKey } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload } : {}),
  }));
}

async function operationsOf(service: TestService): Promise<Operation[]> {
  const document = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Schema>> };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      operations.push({
        method,
        path,
        parameters: (operation.parameters ?? []) as Operation['parameters'],
        ...(operation.requestBody ? { body: operation.requestBody.content['application/json'].schema as Schema } : {}),
      });
    }
  }
  return operations;
}

interface Reply {
  readonly status: number;
  readonly code: string | undefined;
}

/** Sends one request; checks the properties that hold on any one server. */
async function send(service: TestService, request: FuzzRequest, label: string): Promise<Reply> {
  const writes = request.method !== 'GET';
  const before = writes ? await service.store.counts() : undefined;
  const response = await service.app.inject(request as never);
  const what = `${label}: ${request.method} ${request.url.slice(0, 200)} ${request.payload?.slice(0, 200) ?? ''}`;
  assert.ok(response.statusCode < 500, `${what} → ${response.statusCode} ${response.body.slice(0, 300)}`);
  let code: string | undefined;
  if (response.statusCode >= 400) {
    const body = response.json() as { error?: { code?: unknown; message?: unknown } };
    assert.equal(typeof body.error?.code, 'string', `${what}: error shape ${response.body.slice(0, 300)}`);
    assert.equal(typeof body.error?.message, 'string', what);
    code = body.error!.code as string;
    if (before !== undefined) assert.deepEqual(await service.store.counts(), before, `${what}: a refused write stored something`);
  }
  // FUZZ_STATS=1 prints each status, to see how many requests reach the handlers.
  if (process.env.FUZZ_STATS) process.stderr.write(`STAT ${request.method} ${request.url.split("?")[0]!.split("/").slice(0, 3).join("/")} ${response.statusCode} ${code ?? ""}\n`);
  return { status: response.statusCode, code };
}

/** Waits (event-loop turns, then short sleeps; no time is asserted) until no training run is in progress. */
async function trainingFinished(service: TestService): Promise<void> {
  for (;;) {
    const state = (await service.app.inject({ method: 'GET', url: '/v1/admin/models', headers: { 'x-api-key': ADMIN_KEY } })).json() as { training: { running: boolean } | null };
    if (state.training === null || !state.training.running) return;
    await sleep(10);
  }
}

async function fuzzEveryRoute(services: readonly { label: string; service: TestService }[]): Promise<void> {
  const operations = await operationsOf(services[0]!.service);
  assert.ok(operations.length >= 20, `the OpenAPI document lists ${operations.length} operations`);
  for (const [index, operation] of operations.entries()) {
    let firstFailure: string | undefined;
    try {
      await fc.assert(
        fc.asyncProperty(requestFor(operation), async (request) => {
          try {
            const replies: Reply[] = [];
            for (const { label, service } of services) replies.push(await send(service, request, label));
            // A training run started without ?wait=true finishes in the background, sooner on one store than the
            // other; the next request must find both servers idle, or it would compare their speed, not their answers.
            for (const { service } of services) await trainingFinished(service);
            for (let k = 1; k < replies.length; k++) {
              assert.deepEqual(replies[k], replies[0], `${request.method} ${request.url.slice(0, 200)}: ${services[k]!.label} and ${services[0]!.label} disagree`);
            }
          } catch (e) {
            firstFailure ??= (e as Error).message;
            throw e;
          }
        }),
        { seed: SEED + index, numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    } catch (e) {
      // fast-check's report holds the whole (possibly very long) request; the assertion says what went wrong.
      throw new Error(`${operation.method.toUpperCase()} ${operation.path} (seed ${SEED + index}): ${firstFailure ?? (e as Error).message.slice(0, 2000)}`);
    }
  }
}

const url = process.env.RECODER_TEST_DATABASE_URL;
const openSqlite = async (): Promise<EventStore> => new SqliteEventStore(join(tempDir(), 'events.sqlite'));

test('fuzz: every route of the OpenAPI document on SQLite: never a 5xx, JSON errors, no partial writes', async () => {
  const sqlite = await openTrainedService({ store: await openSqlite() });
  try {
    await fuzzEveryRoute([{ label: 'sqlite', service: sqlite }]);
  } finally {
    await sqlite.close();
  }
});

test(
  'fuzz: every route on SQLite and PostgreSQL side by side: the same status and error code for the same requests',
  { skip: url === undefined ? 'RECODER_TEST_DATABASE_URL is not set (CI sets it; see .ci/run)' : false },
  async () => {
    const sqlite = await openTrainedService({ store: await openSqlite() });
    const postgres = await openTrainedService({ store: await openTestPostgresStore(url!) });
    try {
      await fuzzEveryRoute([
        { label: 'sqlite', service: sqlite },
        { label: 'postgres', service: postgres },
      ]);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  },
);
