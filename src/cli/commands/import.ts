import { createHash } from 'node:crypto';
import { Command } from 'commander';
import type { Dataset } from '../../data/interactions.js';
import { readDataset } from '../../data/readers/index.js';
import { resolveDataset } from '../../experiment/prepare.js';
import { describeStoreLocation, openEventStore } from '../../serve/open-store.js';
import type { EventInput, ItemInput } from '../../store/event-store.js';
import { addReadOptions, checkDatasetLocation, parseInteger, readOptionsFor, type DataOptions } from '../data-options.js';
import { createOutput, type Output } from '../output.js';

interface ImportOptions extends Pick<DataOptions, 'dataset' | 'format' | 'dataDir' | 'skipInvalid' | 'delimiter' | 'header' | 'columns'> {
  store: string;
  batchSize: number;
  json?: boolean;
  quiet?: boolean;
}

export function importCommand(): Command {
  const command = new Command('import').description(
    'load a dataset (items with their attributes and categories, and every interaction as an event) into the event store that `recoder serve` uses; re-running it adds nothing new',
  );
  // The same options as train and evaluate: a known dataset, a MovieLens folder, or your own CSV/JSONL with --format and --columns.
  return addReadOptions(command)
    .option('--store <path|url>', 'SQLite file or postgres:// URL', 'recoder-data/events.sqlite')
    .option('--batch-size <n>', 'events per transaction', parseInteger('--batch-size'), 5000)
    .option('--json', 'print a summary as JSON')
    .option('-q, --quiet', 'no progress or log lines on stderr')
    .action(async (options: ImportOptions) => {
      const out = createOutput(options);
      if (options.batchSize < 1) throw new Error(`--batch-size must be at least 1, got ${options.batchSize}`);
      if (!options.dataset) throw new Error('--dataset is required: a known dataset, a MovieLens folder, or a file with --format and --columns');
      checkDatasetLocation(options.dataset, options.format);
      const where = resolveDataset({
        dataset: options.dataset,
        ...(options.format ? { format: options.format } : {}),
        ...(options.dataDir ? { dataDirectory: options.dataDir } : {}),
      });
      const { dataset, report } = await readDataset(where.format, where.location, { ...readOptionsFor({ ...options, format: where.format }), name: where.name });
      out.log(`read ${dataset.name}: ${report.interactions} interactions, ${dataset.users.size} users, ${dataset.items.size} items` +
        (report.skipped > 0 ? `; skipped ${report.skipped} invalid lines (${JSON.stringify(report.skipReasons)})` : ''));
      const store = await openEventStore(options.store);
      try {
        const items = await importItems(dataset, store, out);
        const events = await importEvents(dataset, store, options.batchSize, out);
        const summary = { dataset: dataset.name, store: describeStoreLocation(options.store), items, events, counts: await store.counts() };
        if (out.json) out.resultJSON(summary);
        else out.result(`imported ${dataset.name} into ${summary.store}: ${events.inserted} new events (${events.duplicates} already stored), ${items.inserted} new items; the store now holds ${summary.counts.users} users, ${summary.counts.items} items, ${summary.counts.events} events`);
      } finally {
        await store.close();
      }
    });
}

/** Items with their attributes; list-valued genres or categories become the item's categories. */
async function importItems(dataset: Dataset, store: Awaited<ReturnType<typeof openEventStore>>, out: Output) {
  const rows = dataset.itemAttributes?.rows;
  const items: ItemInput[] = [];
  for (let i = 0; i < dataset.items.size; i++) {
    const row = rows?.[i];
    if (!row) {
      items.push({ id: dataset.items.idOf(i) });
      continue;
    }
    const { genres, categories, ...attributes } = row as Record<string, unknown>;
    const list = Array.isArray(categories) ? categories : Array.isArray(genres) ? genres : [];
    items.push({ id: dataset.items.idOf(i), categories: (list as string[]).filter((c) => c !== ''), attributes });
  }
  let inserted = 0;
  for (let start = 0; start < items.length; start += 1000) {
    inserted += (await store.upsertItems(items.slice(start, start + 1000))).inserted;
    out.progress.update('items', Math.min(start + 1000, items.length), items.length);
  }
  out.progress.stop();
  return { inserted, total: items.length };
}

/** Every interaction as an event: 'rating' with its value for explicit data, else the file's event type or 'interaction'. */
async function importEvents(dataset: Dataset, store: Awaited<ReturnType<typeof openEventStore>>, batchSize: number, out: Output) {
  const log = dataset.interactions;
  // Events need a time; interactions without one are stamped with the import's start, and get an id from
  // what they are and where they are in the file, so that a re-run (whose clock differs) stores nothing twice.
  const importedAtMs = Date.now();
  let inserted = 0;
  let duplicates = 0;
  for (let start = 0; start < log.length; start += batchSize) {
    const end = Math.min(start + batchSize, log.length);
    const batch: EventInput[] = [];
    for (let k = start; k < end; k++) {
      const value = log.values[k]!;
      const seconds = log.timestamps[k]!;
      const code = log.eventTypeCodes[k]!;
      const event = {
        userId: dataset.users.idOf(log.users[k]!),
        itemId: dataset.items.idOf(log.items[k]!),
        type: code >= 0 ? log.eventTypes[code]! : dataset.hasRatings ? 'rating' : 'interaction',
        value: Number.isNaN(value) ? null : value,
      };
      const timed = dataset.hasTimestamps && !Number.isNaN(seconds);
      batch.push(timed ? { ...event, timestampMs: Math.round(seconds * 1000) } : { ...event, id: untimedEventId(event, k), timestampMs: importedAtMs });
    }
    const result = await store.insertEvents(batch);
    inserted += result.inserted;
    duplicates += result.duplicates;
    out.progress.update('events', end, log.length);
  }
  out.progress.stop();
  return { inserted, duplicates, total: log.length };
}

/**
 * The idempotency key of an interaction without a time: its content and its
 * position in the dataset (two equal lines are two events), not the clock of
 * the import that stamped it.
 */
function untimedEventId(event: { userId: string; itemId: string; type: string; value: number | null }, position: number): string {
  const digest = createHash('sha256').update(JSON.stringify([event.userId, event.itemId, event.type, event.value, position])).digest('base64url');
  return `import:${digest.slice(0, 32)}`;
}
