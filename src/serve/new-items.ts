/**
 * Items newer than the served model (issue 12, item 5): items in the store, with attributes or
 * categories, that are not among the served version's columns — created over the API after the
 * version was trained. They are recommendable at once, without retraining:
 *
 * - a model that encodes items from their attributes (Recommender.scoreNewItems: the hybrid DAE)
 *   scores them itself, on the scale of its catalogue scores;
 * - any other model scores a new item j as Σ_c s̃_jc · score(c): the weighted score of its k
 *   catalogue items of most similar attributes (cosines of the attribute vectors of
 *   attribute-vectors.ts, fitted on the catalogue; weights s̃ sum to 1). That is on the
 *   catalogue's scale too, and linear in the catalogue's scores, so the model's own attribution
 *   of those scores explains it exactly (explanations.ts).
 *
 * The index of new items is built per served version from the store. It is rebuilt at once
 * after a version swap and after an item is written through this server (`invalidate()`), and
 * at most `refreshMs` after writes that did not pass through it (an import, another replica),
 * in the background while the previous index keeps answering.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CsrMatrix } from '../data/csr.js';
import { selectFeatureRows, type FeatureTable } from '../data/features.js';
import { attributeNeighbours, encodeAttributes, fitAttributeEncoding } from '../models/hybrid/attribute-vectors.js';
import type { EventStore, ItemRecord } from '../store/event-store.js';
import type { ScoreQuery } from '../data/training-data.js';
import type { ServedModel } from './model-slot.js';
import { featuresOf } from './training-data.js';

export interface NewItemOptions {
  /** Catalogue items each new item is scored through (its attribute neighbours). */
  readonly neighbours: number;
  /** Longest time a write that did not pass through this server takes to show. */
  readonly refreshMs: number;
  readonly now?: () => number;
}

export const DEFAULT_NEW_ITEM_OPTIONS: NewItemOptions = { neighbours: 20, refreshMs: 30_000 };

/** The new items of one served version. */
export interface NewItems {
  readonly version: string;
  readonly ids: readonly string[];
  /** Id → row of `neighbours` (and of `features`). */
  readonly index: ReadonlyMap<string, number>;
  readonly categories: readonly (readonly string[])[];
  /** New items × catalogue columns: s̃, each non-empty row summing to 1; empty for an item that shares no attribute with the catalogue. */
  readonly neighbours: CsrMatrix | undefined;
  /** The new items' attributes and categories as features, as training reads them (for Recommender.scoreNewItems). */
  readonly features: FeatureTable | undefined;
}

const PAGE = 10_000;

function emptyNewItems(version: string): NewItems {
  return { version, ids: [], index: new Map(), categories: [], neighbours: undefined, features: undefined };
}

const hasContent = (item: Pick<ItemRecord, 'attributes' | 'categories'>) => item.categories.length > 0 || Object.keys(item.attributes).length > 0;

/**
 * The new items of `served` in `store` now: every stored item outside the catalogue that has
 * attributes or categories, with its attribute neighbours among the catalogue's items.
 */
export async function buildNewItems(store: EventStore, served: ServedModel, neighbours: number): Promise<NewItems> {
  const fresh: ItemRecord[] = [];
  const stored = new Map<string, ItemRecord>();
  let after: string | undefined;
  do {
    const page = await store.listItems({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
    for (const item of page.records) {
      if (served.itemIndex.has(item.id)) stored.set(item.id, item);
      else if (hasContent(item)) fresh.push(item);
    }
    after = page.next ?? undefined;
    await nextTurn();
  } while (after !== undefined);
  if (fresh.length === 0) return emptyNewItems(served.version);

  // The catalogue's content as the store has it now, else as saved with the version (a version trained from a file).
  const catalogueIds = served.manifest.itemIds;
  const attributes = catalogueIds.map((id, col) => stored.get(id)?.attributes ?? served.itemAttributes?.[col] ?? null);
  const categories = catalogueIds.map((id) => [...(stored.get(id)?.categories ?? [])]);
  const all = featuresOf([...attributes, ...fresh.map((item) => item.attributes)], [...categories, ...fresh.map((item) => [...item.categories])]);
  const newRows = Int32Array.from(fresh, (_, i) => catalogueIds.length + i);
  let similar: CsrMatrix | undefined;
  if (all !== undefined) {
    const catalogueRows = Int32Array.from(catalogueIds, (_, col) => col);
    const catalogue = selectFeatureRows(all, catalogueRows);
    const encoding = fitAttributeEncoding(catalogue, { withText: true, numericBins: 10 });
    similar = attributeNeighbours(encodeAttributes(selectFeatureRows(all, newRows), encoding), encodeAttributes(catalogue, encoding), catalogueRows, neighbours, () => -1);
  }
  const ids = fresh.map((item) => item.id);
  return {
    version: served.version,
    ids,
    index: new Map(ids.map((id, row) => [id, row])),
    categories: fresh.map((item) => item.categories),
    neighbours: similar,
    features: featuresOf(
      fresh.map((item) => ({ ...item.attributes })),
      fresh.map((item) => [...item.categories]),
    ),
  };
}

/** The new items of the served version, kept up to date (see the module comment). */
export class NewItemIndex {
  private built: { items: NewItems; generation: number; atMs: number } | null = null;
  private building: { version: string; generation: number; done: Promise<NewItems> } | null = null;
  /** Bumped by every write through this server, so that an index read before it is not taken as current. */
  private generation = 0;
  private readonly now: () => number;

  constructor(
    private readonly store: EventStore,
    private readonly options: NewItemOptions = DEFAULT_NEW_ITEM_OPTIONS,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Items were written or deleted through this server: the next request sees them. */
  invalidate(): void {
    this.generation++;
  }

  /** The new items of `served`: awaited when the index is of another version or older than a local write; else at most refreshMs old. */
  async current(served: ServedModel): Promise<NewItems> {
    const built = this.built;
    if (built !== null && built.items.version === served.version && built.generation === this.generation) {
      if (this.now() - built.atMs >= this.options.refreshMs) void this.rebuild(served).catch(() => undefined);
      return built.items;
    }
    return this.rebuild(served);
  }

  private rebuild(served: ServedModel): Promise<NewItems> {
    const building = this.building;
    if (building !== null && building.version === served.version && building.generation === this.generation) return building.done;
    const generation = this.generation;
    const startedAtMs = this.now();
    const done = buildNewItems(this.store, served, this.options.neighbours).then((items) => {
      // A slower build of an older generation or version must not replace a newer one.
      const current = this.built;
      if (current === null || generation > current.generation || (generation === current.generation && startedAtMs >= current.atMs)) {
        this.built = { items, generation, atMs: startedAtMs };
      }
      return items;
    });
    const entry = { version: served.version, generation, done };
    this.building = entry;
    void done.finally(() => {
      if (this.building === entry) this.building = null;
    }).catch(() => undefined);
    return done;
  }
}

/**
 * Row 0's scores of the new items: the model's own (scoreNewItems) when it has them, else each
 * item's attribute neighbours' weighted catalogue score. NaN marks an item that cannot be
 * scored (no neighbour, and a model that does not encode items).
 */
export function newItemScores(served: ServedModel, items: NewItems, query: ScoreQuery, catalogueScores: Float32Array): { scores: Float32Array; byModel: boolean } {
  const n = items.ids.length;
  if (n === 0) return { scores: new Float32Array(0), byModel: false };
  const own = items.features !== undefined ? served.model.scoreNewItems?.(query, items.features) : undefined;
  if (own !== undefined) return { scores: own.subarray(0, n), byModel: true };
  const scores = new Float32Array(n).fill(Number.NaN);
  const s = items.neighbours;
  if (s === undefined) return { scores, byModel: false };
  for (let j = 0; j < n; j++) {
    if (s.indptr[j] === s.indptr[j + 1]) continue;
    let sum = 0;
    for (let p = s.indptr[j]!; p < s.indptr[j + 1]!; p++) sum += s.values[p]! * catalogueScores[s.indices[p]!]!;
    scores[j] = sum;
  }
  return { scores, byModel: false };
}
