/**
 * JSON schemas of the API: each is at once the validation (Ajv, see
 * validation.ts), the response serialisation and the OpenAPI documentation.
 * Every object closes with `additionalProperties: false`, except the
 * free-form `attributes` of users and items, which are the client's own data.
 */
import { ERROR_RESPONSE_SCHEMA } from './errors.js';
import { explainProperty, explanationSchema } from './explanation-schemas.js';
import { FREE_FORM_JSON_KEYWORD, MAX_ATTRIBUTE_DEPTH, WELL_FORMED_TEXT_PATTERN } from './json-limits.js';

/** Most records one request may write. */
export const MAX_BATCH = 10_000;
export const MAX_PAGE = 1_000;
export const MAX_RECOMMENDATIONS = 100;
export const MAX_OFFSET = 1_000;

/** Text a client sends: no NUL character, no unpaired surrogate (json-limits.ts says why). */
export const text = <L extends Record<string, unknown>>(limits: L) => ({ type: 'string', ...limits, pattern: WELL_FORMED_TEXT_PATTERN }) as const;

export const idSchema = text({ minLength: 1, maxLength: 256 });
/** Attributes as sent by clients: checked for depth and text. */
const attributesInputSchema = {
  type: 'object',
  description: `free-form JSON attributes (title, price, ...), stored and returned as given; at most ${MAX_ATTRIBUTE_DEPTH} levels deep, no NUL characters or unpaired surrogates in keys or strings`,
  additionalProperties: true,
  [FREE_FORM_JSON_KEYWORD]: { maxDepth: MAX_ATTRIBUTE_DEPTH },
} as const;
/** Attributes in responses (serialisation only). */
const attributesSchema = {
  type: 'object',
  description: 'free-form JSON attributes (title, price, ...), stored and returned as given',
  additionalProperties: true,
} as const;
const categoriesSchema = { type: 'array', items: text({ minLength: 1, maxLength: 256 }), maxItems: 100, description: 'categories the item belongs to (used by the category filter)' } as const;
const timestampSchema = { type: 'integer', minimum: 0, description: 'milliseconds since the Unix epoch' } as const;

const object = <P extends Record<string, unknown>>(properties: P, required: readonly (keyof P & string)[] = [], extra: Record<string, unknown> = {}) =>
  ({ type: 'object', properties, required, additionalProperties: false, ...extra }) as const;

export const userInputSchema = object({ id: idSchema, attributes: attributesInputSchema }, ['id']);
export const itemInputSchema = object({ id: idSchema, categories: categoriesSchema, attributes: attributesInputSchema }, ['id']);
export const eventInputSchema = object(
  {
    id: { ...idSchema, description: 'idempotency key: an event with a stored id is a duplicate; default: a hash of (userId, itemId, type, timestampMs, value)' },
    userId: idSchema,
    itemId: idSchema,
    type: { ...text({ minLength: 1, maxLength: 64 }), description: 'view, click, cart, purchase, rating, ...' },
    value: { type: ['number', 'null'], description: 'a rating or weight; null or absent when the type carries none' },
    timestampMs: { ...timestampSchema, description: 'when it happened (ms since the epoch); default: when received. Send it (or an id) so a retried batch is recognised' },
  },
  ['userId', 'itemId', 'type'],
);

/** One record, or many under a plural key: { id, ... } or { users: [...] }. */
const oneOrMany = (single: ReturnType<typeof object>, plural: string) =>
  object({ ...(single.properties as Record<string, unknown>), [plural]: { type: 'array', items: single, minItems: 1, maxItems: MAX_BATCH } }, [], {
    description: `one record, or up to ${MAX_BATCH} as { ${plural}: [...] }`,
  });

export const usersBodySchema = oneOrMany(userInputSchema, 'users');
export const itemsBodySchema = oneOrMany(itemInputSchema, 'items');
export const eventsBodySchema = oneOrMany(eventInputSchema, 'events');
export const userPutBodySchema = object({ attributes: attributesInputSchema });
export const itemPutBodySchema = object({ categories: categoriesSchema, attributes: attributesInputSchema });

export const userRecordSchema = object({ id: { type: 'string' }, attributes: attributesSchema, createdAtMs: { type: 'integer' }, updatedAtMs: { type: 'integer' } }, [
  'id',
  'attributes',
  'createdAtMs',
  'updatedAtMs',
]);
export const itemRecordSchema = object(
  { id: { type: 'string' }, categories: { type: 'array', items: { type: 'string' } }, attributes: attributesSchema, createdAtMs: { type: 'integer' }, updatedAtMs: { type: 'integer' } },
  ['id', 'categories', 'attributes', 'createdAtMs', 'updatedAtMs'],
);
export const eventRecordSchema = object(
  {
    id: { type: 'string' },
    userId: { type: 'string' },
    itemId: { type: 'string' },
    type: { type: 'string' },
    value: { type: ['number', 'null'] },
    timestampMs: { type: 'integer' },
    sequence: { type: 'integer' },
  },
  ['id', 'userId', 'itemId', 'type', 'value', 'timestampMs', 'sequence'],
);

export const idParamsSchema = object({ id: idSchema }, ['id']);
export const pageQuerySchema = object({
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100 },
  after: { ...text({ minLength: 1, maxLength: 1024 }), description: 'the `next` cursor of the previous page' },
});
export const itemPageQuerySchema = object({ ...pageQuerySchema.properties, category: idSchema });
export const eventPageQuerySchema = object({ ...pageQuerySchema.properties, userId: idSchema, itemId: idSchema });
export const eventDeleteQuerySchema = object({ userId: idSchema, itemId: idSchema }, [], { description: 'at least one of userId, itemId' });

export const pageOf = (key: string, record: unknown) =>
  object({ [key]: { type: 'array', items: record }, next: { type: ['string', 'null'], description: 'cursor of the next page; null on the last' } }, [key, 'next']);

export const upsertResultSchema = object({ inserted: { type: 'integer' }, updated: { type: 'integer' } }, ['inserted', 'updated']);
export const insertEventsResultSchema = object({ inserted: { type: 'integer' }, duplicates: { type: 'integer' } }, ['inserted', 'duplicates']);
export const deletedSchema = object({ deleted: { type: 'integer', description: 'records deleted' } }, ['deleted']);

const rankingQueryProperties = {
  n: { type: 'integer', minimum: 1, maximum: MAX_RECOMMENDATIONS, default: 10 },
  offset: { type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0, description: 'skip this many of the ranking (stable paging for one model version)' },
  category: { ...idSchema, description: 'only items of this category' },
  exclude: { ...text({ maxLength: 10_000 }), description: 'comma-separated item ids never to return' },
  attributes: { type: 'boolean', default: true, description: "include each item's attributes" },
} as const;

export const userRecommendationQuerySchema = object({
  ...rankingQueryProperties,
  excludeSeen: { type: 'boolean', default: true, description: 'leave out items the user already has events with' },
  explain: explainProperty,
});
export const similarQuerySchema = object({ ...rankingQueryProperties, explain: explainProperty });

const sessionEventSchema = object(
  { itemId: idSchema, type: eventInputSchema.properties.type, value: eventInputSchema.properties.value, timestampMs: timestampSchema },
  ['itemId'],
);
export const sessionBodySchema = object(
  {
    items: { type: 'array', items: idSchema, minItems: 1, maxItems: 1000, description: 'item ids the visitor interacted with' },
    events: { type: 'array', items: sessionEventSchema, minItems: 1, maxItems: 1000, description: 'or their events, oldest first' },
    n: rankingQueryProperties.n,
    offset: rankingQueryProperties.offset,
    category: rankingQueryProperties.category,
    exclude: { type: 'array', items: idSchema, maxItems: 10_000, description: 'item ids never to return' },
    excludeSeen: { type: 'boolean', default: true, description: "leave out the session's own items" },
    attributes: rankingQueryProperties.attributes,
    explain: explainProperty,
  },
  [],
  { description: 'exactly one of items, events' },
);

const recommendedItemSchema = object(
  {
    id: { type: 'string' },
    score: { type: 'number' },
    source: {
      type: 'string',
      enum: ['item-attributes'],
      description: 'only on an item newer than the served model: it was ranked from its attributes and categories (absent: from the model, as the response says)',
    },
    attributes: attributesSchema,
    explanation: explanationSchema,
  },
  ['id', 'score'],
);
const recommendationProperties = {
  source: {
    type: 'string',
    enum: ['model', 'fold-in', 'sequence', 'user-attributes', 'item-attributes', 'popular'],
    description:
      "model: a user the model was trained on; fold-in: a row built from stored or given events; sequence: a sequence model scored the stored or given events in their order, as of this request; user-attributes: a user without usable events, from their attributes; item-attributes: items similar to an item newer than the model, through the catalogue items whose attributes it shares; popular: the recent-popularity fallback. Items newer than the model can appear in any model-ranked list, each marked with its own source",
  },
  modelVersion: { type: ['string', 'null'] },
  items: { type: 'array', items: recommendedItemSchema },
} as const;
export const userRecommendationsSchema = object({ user: { type: 'string' }, ...recommendationProperties }, ['user', 'source', 'modelVersion', 'items']);
export const sessionRecommendationsSchema = object(
  { ...recommendationProperties, unknownItems: { type: 'array', items: { type: 'string' }, description: "session items not in the model's catalogue" } },
  ['source', 'modelVersion', 'items'],
);
export const similarItemsSchema = object({ item: { type: 'string' }, ...recommendationProperties }, ['item', 'source', 'modelVersion', 'items']);

/** Error responses a route documents, by status. */
export function errorResponses(...statuses: number[]): Record<number, typeof ERROR_RESPONSE_SCHEMA> {
  return Object.fromEntries(statuses.map((status) => [status, ERROR_RESPONSE_SCHEMA]));
}
