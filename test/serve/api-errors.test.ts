import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, asAdmin, asReader, call, openTestService } from './helpers.js';

const event = { userId: 'u1', itemId: 'a', type: 'view', timestampMs: 1 };

/** Every error is { error: { code, message } } and never carries a stack trace. */
function assertError(reply: { status: number; body: any }, status: number, code: string, message: RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.error.code, code);
  assert.match(reply.body.error.message, message);
  assert.doesNotMatch(JSON.stringify(reply.body), /\bat .*\.js:\d+/);
}

test('bad bodies: malformed JSON, unknown field, wrong type, missing field, wrong form, all 400 naming the problem', async () => {
  const { app, close } = await openTestService();
  try {
    const post = (payload: unknown) => call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: payload as object });
    const raw = (text: string) => call(app, { method: 'POST', url: '/v1/events', headers: { ...asAdmin, 'content-type': 'application/json' }, payload: text });

    assertError(await raw('{"userId": "u1", '), 400, 'invalid_json', /not valid JSON: .*position/);
    assertError(await raw('{"__proto__": {"admin": true}, "userId": "u"}'), 400, 'invalid_json', /__proto__/);

    const unknown = await post({ ...event, colour: 'red' });
    assertError(unknown, 400, 'unknown_field', /unknown field 'colour' in the request body; allowed: id, userId, itemId, type, value, timestampMs, events/);
    assert.equal(unknown.body.error.details.field, 'colour');
    assertError(await post({ events: [event, { ...event, extra: 1 }] }), 400, 'unknown_field', /'events\[1\]\.extra'/);

    const wrongType = await post({ events: [{ ...event, timestampMs: 'yesterday' }] });
    assertError(wrongType, 400, 'wrong_type', /field 'events\[0\]\.timestampMs' in the request body must be integer, got string "yesterday"/);
    assertError(await post({ ...event, value: '4' }), 400, 'wrong_type', /'value' .*must be number or null, got string "4"/);
    assertError(await post([event]), 400, 'wrong_type', /the request body must be object, got an array of 1/);

    assertError(await post({ userId: 'u1', type: 'view' }), 400, 'missing_field', /missing required field 'itemId'/);
    assertError(await post({ events: [{ userId: 'u1', itemId: 'a' }] }), 400, 'missing_field', /missing required field 'events\[0\]\.type' in the request body/);
    assertError(await post({ events: [] }), 400, 'invalid_value', /'events' .*must NOT have fewer than 1 items/);
    assertError(await post({ ...event, events: [event] }), 400, 'invalid_request', /not both: found 'userId', 'itemId', 'type', 'timestampMs' beside 'events'/);
    assertError(await post({ ...event, userId: '' }), 400, 'invalid_value', /'userId' .*must NOT have fewer than 1 characters/);
    const noBody = await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin });
    assertError(noBody, 400, 'wrong_type', /the request body must be object/);
    const text = await call(app, { method: 'POST', url: '/v1/events', headers: { ...asAdmin, 'content-type': 'text/plain' }, payload: 'hello' });
    assertError(text, 415, 'unsupported_media_type', /Content-Type: application\/json/);
    // Nothing of the rejected requests was stored.
    assert.deepEqual(await openStoreCounts(app), { events: 0 });
  } finally {
    await close();
  }
});

async function openStoreCounts(app: Awaited<ReturnType<typeof openTestService>>['app']): Promise<{ events: number }> {
  const listed = await call(app, { method: 'GET', url: '/v1/events', headers: asReader });
  return { events: listed.body.events.length };
}

test('bad query strings and paths: unknown parameter, wrong type, out of range, missing filter', async () => {
  const { app, close } = await openTestService();
  try {
    const get = (url: string) => call(app, { method: 'GET', url, headers: asReader });
    assertError(await get('/v1/users/u1/recommendations?count=5'), 400, 'unknown_field', /unknown query parameter 'count'; allowed: n, offset, category, exclude, attributes, excludeSeen/);
    assertError(await get('/v1/users/u1/recommendations?n=ten'), 400, 'wrong_type', /query parameter 'n' must be integer, got string "ten"/);
    assertError(await get('/v1/users/u1/recommendations?n=1000'), 400, 'invalid_value', /query parameter 'n' must be <= 100, got number 1000/);
    assertError(await get('/v1/users/u1/recommendations?excludeSeen=maybe'), 400, 'wrong_type', /'excludeSeen' must be boolean/);
    assertError(await get('/v1/users?limit=0'), 400, 'invalid_value', /'limit' must be >= 1/);
    assertError(await get('/v1/events?after=xyz'), 400, 'invalid_input', /after must be a cursor/);
    const deleteAll = await call(app, { method: 'DELETE', url: '/v1/events', headers: asAdmin });
    assertError(deleteAll, 400, 'missing_field', /needs a userId or an itemId/);
    assertError(await get('/v1/nothing-here'), 404, 'route_not_found', /no route GET \/v1\/nothing-here/);
  } finally {
    await close();
  }
});

test('keys: missing and unknown keys get 401, a read key on a write route 403, an admin key passes', async () => {
  const { app, close } = await openTestService();
  try {
    const write = (headers: Record<string, string>) => call(app, { method: 'POST', url: '/v1/events', headers, payload: event });
    assertError(await write({}), 401, 'missing_api_key', /X-API-Key header/);
    assertError(await call(app, { method: 'GET', url: '/v1/users', headers: {} }), 401, 'missing_api_key', /X-API-Key/);
    assertError(await write({ 'x-api-key': 'not-a-key' }), 401, 'invalid_api_key', /not valid/);
    assertError(await write(asReader), 403, 'forbidden', /POST \/v1\/events needs an admin key/);
    for (const [method, url] of [['DELETE', '/v1/users/u1'], ['POST', '/v1/admin/models/reload'], ['POST', '/v1/admin/models/train'], ['GET', '/v1/admin/models']] as const) {
      assertError(await call(app, { method, url, headers: asReader }), 403, 'forbidden', /needs an admin key/);
    }
    assert.equal((await write({ 'x-api-key': ADMIN_KEY })).status, 200);
    assert.equal((await call(app, { method: 'GET', url: '/v1/users', headers: asReader })).status, 200);
    // The key is checked before the body is read: no key, no parsing of a malformed body.
    const unauthenticatedGarbage = await call(app, { method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload: '{{{' });
    assertError(unauthenticatedGarbage, 401, 'missing_api_key', /X-API-Key/);
  } finally {
    await close();
  }
});

test('limits: an oversized body gets 413, too many requests 429 with Retry-After', async () => {
  const { app, close } = await openTestService({ bodyLimitBytes: 2048, rateLimit: { max: 3, timeWindowMs: 60_000 } });
  try {
    const events = Array.from({ length: 100 }, (_, k) => ({ ...event, timestampMs: k }));
    const big = await call(app, { method: 'POST', url: '/v1/events', headers: asAdmin, payload: { events } });
    assertError(big, 413, 'body_too_large', /larger than the limit of 2048 bytes/);
    assert.equal(big.body.error.details.limitBytes, 2048);
    for (let k = 0; k < 3; k++) assert.equal((await call(app, { method: 'GET', url: '/v1/users', headers: asReader })).status, 200);
    const limited = await call(app, { method: 'GET', url: '/v1/users', headers: asReader });
    assertError(limited, 429, 'rate_limited', /more than 3 requests in 60 s; retry in \d+ s/);
    assert.ok(Number(limited.response.headers['retry-after']) > 0);
    // Each key has its own budget; health checks are never limited.
    assert.equal((await call(app, { method: 'GET', url: '/v1/users', headers: asAdmin })).status, 200);
    for (let k = 0; k < 5; k++) assert.equal((await call(app, { method: 'GET', url: '/health/live' })).status, 200);
  } finally {
    await close();
  }
});
