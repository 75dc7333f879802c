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
import type { EventStore } from '../store/event-store.js';
import type { ServedModel } from './model-slot.js';

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
}

/** What the explained history is: the user's or session's items, or the one item similar items are asked for. */
export type ExplainedHistory = 'history' | 'item';

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
  return explained === 'item' ? `often together with ${positive[0]}` : `because you interacted with ${positive.join(' and ')}`;
}

/**
 * Explanations of the items `targets` (model columns) recommended for row 0 of `query`, by
 * the served model's own attribution.
 */
export async function explainModelItems(store: EventStore, served: ServedModel, query: ScoreQuery, targets: readonly number[], explained: ExplainedHistory): Promise<Explanation[]> {
  const attribution = attributeScores(served.model, query, 0, targets);
  const itemIds = served.manifest.itemIds;
  const reasonLists = targets.map((_, j) => topReasons(attribution, j, MAX_REASONS));
  const reasonIds = [...new Set(reasonLists.flatMap((reasons) => reasons.map((r) => itemIds[r.item]!)))];
  const titles = await titlesOf(store, served, reasonIds);
  return reasonLists.map((list) => {
    const reasons = list.map((r) => {
      const itemId = itemIds[r.item]!;
      const title = titles.get(itemId);
      return { itemId, ...(title !== undefined ? { title } : {}), weight: roundWeight(r.weight) };
    });
    return { method: attribution.method, summary: summaryOf(reasons, explained), reasons };
  });
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
