/**
 * Recommendations from the served model version and the store:
 *
 * - a user the model was trained on ('model'): their stored events (with, for a
 *   version trained from a file rather than the store, their training row
 *   merged in), scored by the model with their training index;
 * - a user the model has not seen but who has stored events ('fold-in'): a row
 *   built from those events over the model's items, scored without retraining;
 * - with a sequence model (its factory declares it reads sequences: session-kNN, GRU4Rec,
 *   SASRec...) either of the two is 'sequence' instead: the user's stored events, or the
 *   session's items, go to the model in their order (oldest first), read at the request, so an
 *   event posted a moment ago already moves the next recommendations — no retraining;
 * - items created after the version was trained (new-items.ts) are ranked among the
 *   catalogue's in any of these, each marked 'item-attributes'; items similar to such an
 *   item are the model's ranking for its attribute neighbours ('item-attributes');
 * - a user with no usable events, or no model yet ('popular'): the items with
 *   the most distinct users in the last `popularWindowMs`, then all-time
 *   popular ones after them when the window has too few (rankings cached for
 *   `popularCacheMs`, popular-cache.ts).
 *
 * The category filter and the exclusions apply before the top n is cut, and
 * the ranking is deterministic (ties go to the lower model column), so paging
 * with `offset` over one model version is stable. Categories are read from the
 * store when the request is served, so a category change shows at once.
 * With `explain`, each item of the page also says why it is there (explanations.ts): the
 * model's attribution to the history it scored, or which popular ranking it came from.
 */
import { csrFromCoo, type CsrMatrix } from '../data/csr.js';
import type { FeatureTable } from '../data/features.js';
import { sequenceOf, sequencesFromLists } from '../data/sequences.js';
import type { ScoreQuery } from '../data/training-data.js';
import { topKPerRow } from '../eval/top-k.js';
import { getModelFactory } from '../models/registry.js';
import type { EventStore } from '../store/event-store.js';
import { ApiError } from './errors.js';
import { foldInLimitation, requireFoldIn } from './fold-in-support.js';
import { interactionValue, type EventLike } from './event-filter.js';
import { explainModelItems, explainNewItems, popularExplanation, type ExplainedHistory, type Explanation } from './explanations.js';
import type { RecommendationSource } from './metrics.js';
import type { ModelSlot, ServedModel } from './model-slot.js';
import { DEFAULT_NEW_ITEM_OPTIONS, NewItemIndex, newItemScores, type NewItemOptions } from './new-items.js';
import { PopularItemsCache } from './popular-cache.js';
import { ScoreBatcher, type ScoreBatchingOptions } from './score-batcher.js';
import { featuresOf } from './training-data.js';

export interface RankOptions {
  readonly n: number;
  readonly offset: number;
  readonly category?: string;
  /** Items never to return. */
  readonly excludeItemIds: readonly string[];
  /** Leave out items the user or session already interacted with. */
  readonly excludeSeen: boolean;
  /** Attach each item's attributes (from the store, else as saved with the model). */
  readonly withAttributes: boolean;
  /** Attach why each item is there (explanations.ts); off, nothing is computed. */
  readonly explain?: boolean;
}

export interface RecommendedItem {
  readonly id: string;
  readonly score: number;
  /** 'item-attributes': an item newer than the served model, scored from its attributes (new-items.ts). */
  readonly source?: 'item-attributes';
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly explanation?: Explanation;
}

export interface RecommendationResult {
  readonly source: RecommendationSource;
  readonly modelVersion: string | null;
  readonly items: RecommendedItem[];
  /** Session items the model does not know (they could not inform the result). */
  readonly unknownItems?: string[];
}

export interface SessionInteraction extends EventLike {
  readonly itemId: string;
}

export interface RecommendationServiceOptions {
  /** The recency window of the popular fallback. */
  readonly popularWindowMs: number;
  /** How long a popular ranking is reused (popular-cache.ts); 0 asks the store every time. */
  readonly popularCacheMs: number;
  readonly now?: () => number;
  /** Most recent events of a user read per request (issue 16, item 6); default: all. */
  readonly maxUserEvents?: number;
  /** Concurrent requests scored in one call (score-batcher.ts); default DEFAULT_SCORE_BATCHING, maxRows 1 for off. */
  readonly scoreBatching?: ScoreBatchingOptions;
  /** Items newer than the model, ranked from their attributes (new-items.ts); false leaves them out. Default on. */
  readonly newItems?: NewItemOptions | false;
}

/** How one ranking is asked for, beyond the client's options. */
interface RankRequest {
  /** Catalogue columns never to return (the history, the anchor item). */
  readonly excludeCols: readonly number[];
  /** Item ids never to return, for items outside the catalogue (a new item in the history, or the one asked about). */
  readonly excludeIds?: ReadonlySet<string>;
  readonly explained?: ExplainedHistory;
}

type Candidate = { readonly col: number; readonly row: -1; readonly score: number } | { readonly col: -1; readonly row: number; readonly score: number };

/** float32 scores carry about 7 significant digits; more would be noise in the JSON. */
const roundScore = (score: number): number => Number(score.toPrecision(7));

/** Model columns of the interaction entries of some events, in event order. */
function entriesOf(served: ServedModel, events: readonly SessionInteraction[]): { cols: number[]; values: number[] } {
  const cols: number[] = [];
  const values: number[] = [];
  for (const event of events) {
    const col = served.itemIndex.get(event.itemId);
    const value = interactionValue(event, served.rule);
    if (col === undefined || value === undefined) continue;
    cols.push(col);
    values.push(value);
  }
  return { cols, values };
}

function singleRow(served: ServedModel, cols: readonly number[], values: readonly number[]): CsrMatrix {
  // Repeated items: rating models keep the latest value (events come oldest first), implicit ones a 1.
  return csrFromCoo(1, served.model.nItems, new Int32Array(cols.length), cols, values, served.rule.useValues ? 'last' : 'max');
}

/**
 * The model's query for one user or session: the row of their interactions and, in
 * the same order as the events (oldest first), their sequence, so that sequence
 * models see the order and set models the set.
 */
function singleQuery(served: ServedModel, cols: readonly number[], values: readonly number[], trainingUser: number): ScoreQuery {
  return {
    histories: singleRow(served, cols, values),
    sequences: sequencesFromLists([cols], served.model.nItems),
    users: Int32Array.of(trainingUser),
  };
}

/**
 * The source of a model-scored user or session: 'sequence' when the served model reads the
 * order of the history (its factory declares 'sequences'), else 'model' for a training user
 * and 'fold-in' for anyone else.
 */
function modelSource(served: ServedModel, trainingUser: boolean): RecommendationSource {
  if (getModelFactory(served.manifest.model).inputs.includes('sequences')) return 'sequence';
  return trainingUser ? 'model' : 'fold-in';
}

export class RecommendationService {
  private readonly now: () => number;
  private readonly popularCache: PopularItemsCache;
  readonly batcher: ScoreBatcher;
  /** Null when new items are turned off. */
  readonly newItems: NewItemIndex | null;

  constructor(
    private readonly store: EventStore,
    private readonly slot: ModelSlot,
    private readonly options: RecommendationServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.popularCache = new PopularItemsCache(store, { ttlMs: options.popularCacheMs, now: this.now });
    this.batcher = new ScoreBatcher(options.scoreBatching);
    this.newItems = options.newItems === false ? null : new NewItemIndex(store, { now: this.now, ...(options.newItems ?? DEFAULT_NEW_ITEM_OPTIONS) });
  }

  async forUser(userId: string, options: RankOptions): Promise<RecommendationResult> {
    // One version for the whole request, even if a swap happens while it awaits the store.
    const served = this.slot.current;
    const events = await this.store.userEvents(userId, this.options.maxUserEvents !== undefined ? { limit: this.options.maxUserEvents } : {});
    const seen = new Set(events.map((e) => e.itemId));
    if (served !== null) {
      const { cols, values } = entriesOf(served, events);
      const trainingRow = served.userIndex.get(userId);
      // A version trained on the store has its history in the store too, so the stored events alone
      // are the row: events (or users) deleted since training stop counting at once. A version trained
      // from a file has history the store never saw, so it is merged in.
      if (trainingRow !== undefined && served.serving === null) {
        // In training order when the version saved it, else in column order.
        const earlier = served.historySequences ? sequenceOf(served.historySequences, trainingRow).items : served.history.rowIndices(trainingRow);
        cols.unshift(...earlier);
        values.unshift(...(served.historySequences ? Array.from(earlier, (col) => served.history.get(trainingRow, col)) : served.history.rowValues(trainingRow)));
      }
      const canScore = trainingRow !== undefined || foldInLimitation(served.manifest.model) === undefined;
      if (cols.length > 0 && canScore) {
        const query = singleQuery(served, cols, values, trainingRow ?? -1);
        const exclude = options.excludeSeen ? [...query.histories.rowIndices(0), ...this.columnsOf(served, seen)] : [];
        const items = await this.rankWithModel(served, query, options, { excludeCols: exclude, excludeIds: options.excludeSeen ? seen : new Set() });
        return { source: modelSource(served, trainingRow !== undefined), modelVersion: served.version, items };
      }
      // No history the model can use, but attributes the model reads (gender, age, ...): a user
      // cold-start recommendation of their own instead of the popular list.
      if (cols.length === 0 && served.model.readsUserFeatures) {
        const userFeatures = await this.userFeaturesOf(userId);
        if (userFeatures !== undefined) {
          const query = { ...singleQuery(served, [], [], trainingRow ?? -1), userFeatures };
          const items = await this.rankWithModel(served, query, options, {
            excludeCols: options.excludeSeen ? this.columnsOf(served, seen) : [],
            excludeIds: options.excludeSeen ? seen : new Set(),
          });
          return { source: 'user-attributes', modelVersion: served.version, items };
        }
      }
    }
    const items = await this.popular(served, options, options.excludeSeen ? seen : new Set());
    return { source: 'popular', modelVersion: served?.version ?? null, items };
  }

  /** The stored user's attributes as a one-row feature table; undefined for an unknown user or one without attributes. */
  private async userFeaturesOf(userId: string): Promise<FeatureTable | undefined> {
    const user = await this.store.getUser(userId);
    if (user === null || Object.keys(user.attributes).length === 0) return undefined;
    return featuresOf([user.attributes], null);
  }

  async forSession(interactions: readonly SessionInteraction[], options: RankOptions): Promise<RecommendationResult> {
    const served = this.slot.current;
    const seen = new Set(interactions.map((i) => i.itemId));
    if (served !== null) {
      requireFoldIn(served.manifest.model, 'an anonymous session');
      const unknownItems = [...seen].filter((id) => !served.itemIndex.has(id));
      const { cols, values } = entriesOf(served, interactions);
      if (cols.length > 0) {
        const exclude = options.excludeSeen ? this.columnsOf(served, seen) : [];
        const items = await this.rankWithModel(served, singleQuery(served, cols, values, -1), options, { excludeCols: exclude, excludeIds: options.excludeSeen ? seen : new Set() });
        return { source: modelSource(served, false), modelVersion: served.version, items, ...(unknownItems.length > 0 ? { unknownItems } : {}) };
      }
      const items = await this.popular(served, options, options.excludeSeen ? seen : new Set());
      return { source: 'popular', modelVersion: served.version, items, ...(unknownItems.length > 0 ? { unknownItems } : {}) };
    }
    const items = await this.popular(null, options, options.excludeSeen ? seen : new Set());
    return { source: 'popular', modelVersion: null, items };
  }

  /**
   * Items like `itemId`: the model's scores for a row holding that one item,
   * i.e. what it recommends to someone who interacted with it alone. For EASE
   * that is the item's row of B, for item-kNN its neighbours' similarities, for
   * the autoencoders their output for a one-item input. For an item newer than the
   * model ('item-attributes'), the row is its attribute neighbours, weighted by s̃.
   */
  async similarItems(itemId: string, options: RankOptions): Promise<RecommendationResult> {
    const served = this.slot.current;
    if (served === null) throw modelNotLoaded(this.slot.modelDir);
    requireFoldIn(served.manifest.model, 'similar items');
    const col = served.itemIndex.get(itemId);
    if (col !== undefined) {
      const items = await this.rankWithModel(served, singleQuery(served, [col], [1], -1), options, { excludeCols: [col], explained: 'item' });
      return { source: 'model', modelVersion: served.version, items };
    }
    const fresh = this.newItems === null ? undefined : await this.newItems.current(served);
    const row = fresh?.index.get(itemId);
    const neighbours = row === undefined ? undefined : fresh!.neighbours;
    if (row === undefined || neighbours === undefined || neighbours.rowLength(row) === 0) {
      throw new ApiError(
        404,
        'item_not_in_model',
        row === undefined
          ? `item '${itemId}' is not among the ${served.itemIndex.size} items of model version ${served.version}, and the store has no attributes or categories for it to be placed by`
          : `item '${itemId}' is newer than model version ${served.version} and shares no attribute or category with its ${served.itemIndex.size} items`,
      );
    }
    const cols = Array.from(neighbours.rowIndices(row));
    const query = singleQuery(served, cols, Array.from(neighbours.rowValues(row)), -1);
    const items = await this.rankWithModel(served, query, options, { excludeCols: [], excludeIds: new Set([itemId]), explained: 'new-item' });
    return { source: 'item-attributes', modelVersion: served.version, items };
  }

  private columnsOf(served: ServedModel, ids: Iterable<string>): number[] {
    const cols: number[] = [];
    for (const id of ids) {
      const col = served.itemIndex.get(id);
      if (col !== undefined) cols.push(col);
    }
    return cols;
  }

  /**
   * The [offset, offset + n) slice of the model's ranking for one row, after
   * exclusions and the category filter, with the items newer than the model
   * (new-items.ts) ranked among the catalogue's by score. Without a category the top k
   * is cut once; with one, candidates are taken best first in growing blocks and
   * checked against the store until enough match or the catalogue runs out.
   */
  private async rankWithModel(served: ServedModel, query: ScoreQuery, options: RankOptions, request: RankRequest): Promise<RecommendedItem[]> {
    const nItems = served.model.nItems;
    const scores = await this.batcher.score(served.model, query);
    const excluded = [...request.excludeCols, ...this.columnsOf(served, options.excludeItemIds)];
    const exclude = csrFromCoo(1, nItems, new Int32Array(excluded.length), excluded, null, 'max');
    const wanted = options.offset + options.n;
    const ranked: Candidate[] = [];
    let k = Math.min(nItems, options.category === undefined ? wanted : Math.max(4 * wanted, 256));
    let scanned = 0;
    for (;;) {
      const top = topKPerRow(scores, nItems, k, { exclude, withScores: true });
      const block: Candidate[] = [];
      for (let r = scanned; r < k && top.items[r]! >= 0; r++) block.push({ col: top.items[r]!, row: -1, score: top.scores![r]! });
      if (options.category === undefined) ranked.push(...block);
      else {
        const categories = await this.store.itemCategories(block.map((c) => served.manifest.itemIds[c.col]!));
        for (const candidate of block) {
          if (categories.get(served.manifest.itemIds[candidate.col]!)?.includes(options.category)) ranked.push(candidate);
        }
      }
      const exhausted = block.length < k - scanned || k === nItems;
      if (ranked.length >= wanted || exhausted) break;
      scanned = k;
      k = Math.min(nItems, 4 * k);
    }
    const fresh = this.newItems === null ? undefined : await this.newItems.current(served);
    let byModel = false;
    if (fresh !== undefined && fresh.ids.length > 0) {
      const scored = newItemScores(served, fresh, query, scores.subarray(0, nItems));
      byModel = scored.byModel;
      const excludedIds = new Set([...options.excludeItemIds, ...(request.excludeIds ?? [])]);
      const newRanked: Candidate[] = [];
      fresh.ids.forEach((id, row) => {
        const score = scored.scores[row]!;
        if (Number.isNaN(score) || excludedIds.has(id)) return;
        if (options.category !== undefined && !fresh.categories[row]!.includes(options.category)) return;
        newRanked.push({ col: -1, row, score });
      });
      // Best first; on a tie the catalogue's item, then the older new item, stays first (a stable order for paging).
      ranked.push(...newRanked.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, wanted));
      ranked.sort((a, b) => b.score - a.score || (a.col < 0 ? 1 : 0) - (b.col < 0 ? 1 : 0));
    }
    const pageRanked = ranked.slice(options.offset, wanted);
    let page: RecommendedItem[] = pageRanked.map((c) =>
      c.col >= 0 ? { id: served.manifest.itemIds[c.col]!, score: roundScore(c.score) } : { id: fresh!.ids[c.row]!, score: roundScore(c.score), source: 'item-attributes' as const },
    );
    if (options.explain) {
      const explained = request.explained ?? 'history';
      const catalogue = pageRanked.filter((c) => c.col >= 0);
      const newer = pageRanked.filter((c) => c.col < 0);
      const ofCatalogue = await explainModelItems(this.store, served, query, catalogue.map((c) => c.col), explained);
      const ofNew = newer.length > 0 ? await explainNewItems(this.store, served, query, fresh!, newer.map((c) => c.row), byModel, explained) : [];
      let [atCatalogue, atNew] = [0, 0];
      page = page.map((item, i) => ({ ...item, explanation: pageRanked[i]!.col >= 0 ? ofCatalogue[atCatalogue++]! : ofNew[atNew++]! }));
    }
    return options.withAttributes ? this.withAttributes(served, page) : page;
  }

  /** Most-used items among recent events, then all-time ones after them; score = distinct users. */
  private async popular(served: ServedModel | null, options: RankOptions, seen: ReadonlySet<string>): Promise<RecommendedItem[]> {
    const wanted = options.offset + options.n;
    const exclude = new Set([...options.excludeItemIds, ...seen]);
    const category = options.category !== undefined ? { category: options.category } : {};
    const recent = await this.popularCache.top({ ...category, sinceMs: this.now() - this.options.popularWindowMs }, wanted, exclude, 'recent');
    const ranked = recent.map((entry) => ({ ...entry, window: 'recent' as 'recent' | 'all' }));
    if (ranked.length < wanted) {
      const listed = new Set(recent.map((r) => r.itemId));
      for (const entry of await this.popularCache.top(category, wanted + recent.length, exclude, 'all')) {
        if (ranked.length >= wanted) break;
        if (!listed.has(entry.itemId)) ranked.push({ ...entry, window: 'all' });
      }
    }
    const page = ranked.slice(options.offset, wanted).map((entry) => ({
      id: entry.itemId,
      score: entry.users,
      ...(options.explain ? { explanation: popularExplanation(entry.window, this.options.popularWindowMs, entry.users, options.category) } : {}),
    }));
    return options.withAttributes ? this.withAttributes(served, page) : page;
  }

  private async withAttributes(served: ServedModel | null, items: RecommendedItem[]): Promise<RecommendedItem[]> {
    const records = await this.store.getItems(items.map((item) => item.id));
    return items.map((item) => {
      const stored = records.get(item.id);
      let attributes: Readonly<Record<string, unknown>> | null | undefined = stored !== null && stored !== undefined ? stored.attributes : undefined;
      if (attributes === undefined && served !== null) {
        const col = served.itemIndex.get(item.id);
        attributes = col === undefined ? undefined : served.itemAttributes?.[col];
      }
      return attributes !== undefined && attributes !== null && Object.keys(attributes).length > 0 ? { ...item, attributes } : item;
    });
  }
}

export function modelNotLoaded(_modelDir: string): ApiError {
  // The model directory's path stays out of replies to clients (issue 16, item 9); admins see it in GET /v1/admin/models.
  return new ApiError(
    503,
    'model_not_loaded',
    'no model version is loaded: train one (POST /v1/admin/models/train, or recoder train-store) and the server picks it up',
  );
}
