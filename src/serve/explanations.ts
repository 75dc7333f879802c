/**
 * Why an item is recommended, for the service's `explain` option: the model's attribution of
 * the item's score to the user's (or session's, or anchor item's) history, with the history
 * items' titles, or the popular fallback saying so. Only explained requests come here, so
 * unexplained ones do no extra work.
 *
 * - 'exact' (EASE, EDLAE/DLAE, item-kNN): each history item's share of the score; the shares sum to it;
 * - 'leave-one-out' (the autoencoders and any other model): how much the score drops when
 *   that one item is removed, all removals in one batched forward pass (src/explain);
 * - 'popular': the item came from the popular fallback (no model, or no usable history).
 *
 * Weights are signed and in the model's score units; reasons are listed largest weight first.
 */
import type { ScoreQuery } from '../data/training-data.js';
import { attributeScores, topReasons, type AttributionMethod } from '../explain/attribution.js';
import { leaveOneOutQuery } from '../explain/leave-one-out.js';
import type { EventStore } from '../store/event-store.js';
import type { ServedModel } from './model-slot.js';
import type { NewItems } from './new-items.js';

/** Reasons returned per item. */
export const MAX_REASONS = 3;

export interface ExplanationReason {
  readonly itemId: string;
  /** The item's `title` attribute (from the store, else as saved with the model), when it has one. */
  readonly title?: string;
  /** Signed share of the score (exact) or score drop without the item (leave-one-out). */
  readonly weight: number;
}

export interface Explanation {
  readonly method: AttributionMethod | 'popular';
  /** One line for people: "because you interacted with Toy Story (1995) and Aladdin (1992)". */
  readonly summary: string;
  readonly reasons: readonly ExplanationReason[];
  /**
   * For an item newer than the model scored through its attribute neighbours: those catalogue
   * items with their weights s̃ (summing to 1); the item's score is their weighted score.
   */
  readonly similarTo?: readonly ExplanationReason[];
}

/**
 * What the explained history is: the user's or session's items, the one item similar items are
 * asked for, or — for items similar to an item newer than the model — that item's attribute
 * neighbours.
 */
export type ExplainedHistory = 'history' | 'item' | 'new-item';

const roundWeight = (weight: number): number => Number(weight.toPrecision(7));

/** The titles of some items: the store's `title` attribute, else the one saved with the model. */
async function titlesOf(store: EventStore, served: ServedModel | null, ids: readonly string[]): Promise<Map<string, string>> {
  const records = await Promise.all(ids.map((id) => store.getItem(id)));
  const titles = new Map<string, string>();
  ids.forEach((id, i) => {
    let title = records[i]?.attributes['title'];
    if (typeof title !== 'string' && served !== null) {
      const col = served.itemIndex.get(id);
      title = col === undefined ? undefined : served.itemAttributes?.[col]?.['title'];
    }
    if (typeof title === 'string' && title !== '') titles.set(id, title);
  });
  return titles;
}

function summaryOf(reasons: readonly ExplanationReason[], explained: ExplainedHistory): string {
  const positive = reasons.filter((r) => r.weight > 0).slice(0, 2).map((r) => r.title ?? r.itemId);
  if (positive.length === 0) {
    return explained === 'item' ? 'the model does not link this item to the one asked about' : 'no item of the history raises this score: it is the model\'s prior';
  }
  if (explained === 'item') return `often together with ${positive[0]}`;
  // Similar to an item newer than the model: the history is that item's attribute neighbours.
  if (explained === 'new-item') return `often together with ${positive[0]}, an item like this new one`;
  return `because you interacted with ${positive.join(' and ')}`;
}

/** A reason list as the API returns it: catalogue columns as ids with titles, weights rounded. */
async function reasonsOf(store: EventStore, served: ServedModel, lists: readonly (readonly { item: number; weight: number }[])[]): Promise<ExplanationReason[][]> {
  const itemIds = served.manifest.itemIds;
  const titles = await titlesOf(store, served, [...new Set(lists.flatMap((list) => list.map((r) => itemIds[r.item]!)))]);
  return lists.map((list) =>
    list.map((r) => {
      const itemId = itemIds[r.item]!;
      const title = titles.get(itemId);
      return { itemId, ...(title !== undefined ? { title } : {}), weight: roundWeight(r.weight) };
    }),
  );
}

/**
 * Explanations of new items (rows `targets` of `items`) recommended for row 0 of `query`, exact
 * for the path that scored them (new-items.ts):
 *
 * - scored through their attribute neighbours, score(j) = Σ_c s̃_jc score(c) is linear in the
 *   catalogue's scores, so each history item's weight is Σ_c s̃_jc w(h, c) from the model's own
 *   attribution of the neighbours' scores: exact shares stay exact shares (they sum to the
 *   score), leave-one-out drops stay the drops of this score; `similarTo` lists the neighbours;
 * - scored by the model itself (scoreNewItems): leave-one-out through scoreNewItems, one
 *   batched pass.
 */
export async function explainNewItems(
  store: EventStore,
  served: ServedModel,
  query: ScoreQuery,
  items: NewItems,
  targets: readonly number[],
  byModel: boolean,
  explained: ExplainedHistory,
): Promise<Explanation[]> {
  const historyLength = query.histories.rowLength(0);
  if (byModel) {
    const removed = Int32Array.from({ length: historyLength }, (_, p) => p);
    const batch = leaveOneOutQuery(query, 0, removed);
    const scores = historyLength > 0 && items.features !== undefined ? served.model.scoreNewItems?.(batch, items.features) : undefined;
    const n = items.ids.length;
    const weights = new Float32Array(historyLength * targets.length);
    if (scores !== undefined) {
      for (let h = 0; h < historyLength; h++) for (let j = 0; j < targets.length; j++) weights[h * targets.length + j] = scores[targets[j]!]! - scores[(1 + h) * n + targets[j]!]!;
    }
    const attribution = { method: 'leave-one-out' as const, targets: Int32Array.from(targets), items: query.histories.rowIndices(0).slice(), weights };
    const lists = await reasonsOf(store, served, targets.map((_, j) => topReasons(attribution, j, MAX_REASONS)));
    return lists.map((reasons) => ({ method: attribution.method, summary: summaryOf(reasons, explained), reasons }));
  }
  const s = items.neighbours!;
  const columns = [...new Set(targets.flatMap((j) => Array.from(s.rowIndices(j))))].sort((a, b) => a - b);
  const attribution = attributeScores(served.model, query, 0, columns);
  const position = new Map(columns.map((col, k) => [col, k]));
  const combined = new Float32Array(attribution.items.length * targets.length);
  targets.forEach((j, t) => {
    for (let p = s.indptr[j]!; p < s.indptr[j + 1]!; p++) {
      const k = position.get(s.indices[p]!)!;
      for (let h = 0; h < attribution.items.length; h++) combined[h * targets.length + t]! += s.values[p]! * attribution.weights[h * columns.length + k]!;
    }
  });
  const throughNeighbours = { method: attribution.method, targets: Int32Array.from(targets), items: attribution.items, weights: combined };
  const lists = await reasonsOf(store, served, targets.map((_, t) => topReasons(throughNeighbours, t, MAX_REASONS)));
  const similar = await reasonsOf(
    store,
    served,
    targets.map((j) =>
      Array.from(s.rowIndices(j), (item, p) => ({ item, weight: s.rowValues(j)[p]! }))
        .sort((a, b) => b.weight - a.weight || a.item - b.item)
        .slice(0, MAX_REASONS),
    ),
  );
  return lists.map((reasons, t) => ({ method: attribution.method, summary: summaryOf(reasons, explained), reasons, similarTo: similar[t]! }));
}

/**
 * Explanations of the items `targets` (model columns) recommended for row 0 of `query`, by
 * the served model's own attribution.
 */
export async function explainModelItems(store: EventStore, served: ServedModel, query: ScoreQuery, targets: readonly number[], explained: ExplainedHistory): Promise<Explanation[]> {
  const attribution = attributeScores(served.model, query, 0, targets);
  const lists = await reasonsOf(store, served, targets.map((_, j) => topReasons(attribution, j, MAX_REASONS)));
  return lists.map((reasons) => ({ method: attribution.method, summary: summaryOf(reasons, explained), reasons }));
}

/** "the last 30 days", "the last 6 hours": a window as people say it. */
export function describeWindow(windowMs: number): string {
  const units: [number, string][] = [
    [24 * 3600 * 1000, 'day'],
    [3600 * 1000, 'hour'],
    [60 * 1000, 'minute'],
  ];
  for (const [ms, unit] of units) {
    if (windowMs >= ms) {
      const count = Math.round(windowMs / ms);
      return count === 1 ? `the last ${unit}` : `the last ${count} ${unit}s`;
    }
  }
  return `the last ${Math.max(1, Math.round(windowMs / 1000))} seconds`;
}

/** An item of the popular fallback: recent ('recent', within the window) or all-time popular. */
export function popularExplanation(window: 'recent' | 'all', windowMs: number, users: number, category?: string): Explanation {
  const where = category !== undefined ? ` in category ${category}` : '';
  const when = window === 'recent' ? ` in ${describeWindow(windowMs)}` : ' of all time';
  const people = `${users} ${users === 1 ? 'person' : 'people'}`;
  return { method: 'popular', summary: `popular${where}${when} (${people})`, reasons: [] };
}
