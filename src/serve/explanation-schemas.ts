/** JSON schemas of the `explain` option and of the explanations it adds (explanations.ts). */

export const explainProperty = {
  type: 'boolean',
  default: false,
  description:
    "add each item's explanation: the history items that most raised its score (id, title, signed weight) and the method — exact shares (EASE, EDLAE, item-kNN), leave-one-out score drops (autoencoders), or the popular fallback",
} as const;

const reasonSchema = {
  type: 'object',
  properties: {
    itemId: { type: 'string', description: 'a history item (of the user, the session, or the item asked about)' },
    title: { type: 'string', description: "the item's title attribute, when it has one" },
    weight: { type: 'number', description: "signed, in score units: the item's share of the score (exact), or how much the score drops without it (leave-one-out)" },
  },
  required: ['itemId', 'weight'],
  additionalProperties: false,
} as const;

export const explanationSchema = {
  type: 'object',
  description: 'why the item is recommended (only with explain=true)',
  properties: {
    method: {
      type: 'string',
      enum: ['exact', 'leave-one-out', 'popular'],
      description:
        "exact: the score is a sum over history items and the weights are their shares (they sum to the score); leave-one-out: each weight is the score's drop when that one item is removed; popular: the item came from the popular fallback",
    },
    summary: { type: 'string', description: 'one line for people, e.g. "because you interacted with Toy Story (1995)" or "popular in the last 30 days (12 people)"' },
    reasons: { type: 'array', items: reasonSchema, maxItems: 3, description: 'the strongest reasons, largest weight first (empty for popular items)' },
    similarTo: {
      type: 'array',
      items: reasonSchema,
      maxItems: 3,
      description:
        "only for an item newer than the model scored through the catalogue items whose attributes it shares: those items, weight = their share of the new item's score (the weights of all of them sum to 1); the reasons above are then exact for that score too",
    },
  },
  required: ['method', 'summary', 'reasons'],
  additionalProperties: false,
} as const;
