import { selectSequenceRows, sequencesFromLists, type UserSequences } from '../../data/sequences.js';
import { Command } from 'commander';
import { csrFromCoo, type CsrMatrix } from '../../data/csr.js';
import { topKPerRow } from '../../eval/top-k.js';
import { attributeScores, topReasons } from '../../explain/attribution.js';
import { loadModel } from '../../models/model-file.js';
import { requireFoldInOrThrow } from '../../serve/fold-in-support.js';
import { servedModelDirectory } from '../../serve/model-versions.js';
import { parseInteger } from '../data-options.js';
import { createOutput } from '../output.js';

interface RecommendOptions {
  modelDir: string;
  user?: string;
  items?: string;
  n: number;
  includeSeen?: boolean;
  explain?: boolean;
  json?: boolean;
}

/** History reasons listed per recommendation with --explain. */
const EXPLAIN_REASONS = 3;

export function recommendCommand(): Command {
  return new Command('recommend')
    .description('top-N items from a saved model, for a known user id or for a list of item ids (an anonymous session)')
    .requiredOption('--model-dir <dir>', 'directory written by `recoder train`, or a versioned one (train-store, serve)')
    .option('-u, --user <id>', 'a user id from the training data')
    .option('-i, --items <ids>', 'comma-separated item ids the visitor interacted with')
    .option('-n, --n <count>', 'number of recommendations', parseInteger('--n'), 10)
    .option('--include-seen', "allow items the user already interacted with")
    .option('--explain', "with each item, the history items that most raised its score and their signed weights (exact shares for EASE, EDLAE and item-kNN, leave-one-out score drops for the autoencoders)")
    .option('--json', 'print JSON on stdout')
    .action(async (options: RecommendOptions) => {
      const out = createOutput({ json: options.json ?? false, quiet: true });
      if ((options.user === undefined) === (options.items === undefined)) throw new Error('give exactly one of --user ID or --items ID,ID,...');
      if (options.n < 1) throw new Error(`--n must be at least 1, got ${options.n}`);
      const { model, manifest, history, historySequences, itemAttributes } = await loadModel(await servedModelDirectory(options.modelDir));
      let input: CsrMatrix;
      let users: Int32Array;
      let sequences: UserSequences | undefined;
      const unknownItems: string[] = [];
      if (options.user !== undefined) {
        const row = manifest.userIds.indexOf(options.user);
        if (row < 0) throw new Error(`user '${options.user}' is not in the model's training data (${manifest.userIds.length} users); use --items for a new visitor`);
        input = history.selectRows([row]);
        users = Int32Array.of(row);
        if (historySequences) sequences = selectSequenceRows(historySequences, [row]);
      } else {
        const itemIndex = new Map(manifest.itemIds.map((id, i) => [id, i]));
        const columns: number[] = [];
        requireFoldInOrThrow(manifest.model, 'a list of items (--items)');
        for (const id of options.items!.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
          const column = itemIndex.get(id);
          if (column === undefined) unknownItems.push(id);
          else columns.push(column);
        }
        if (columns.length === 0) throw new Error(`none of the items (${options.items}) is in the model's catalogue`);
        input = csrFromCoo(1, model.nItems, columns.map(() => 0), columns, null, 'max');
        users = Int32Array.of(-1);
        // The visitor's items in the order given: the session's sequence.
        sequences = sequencesFromLists([columns], model.nItems);
      }
      const query = { histories: input, users, ...(sequences ? { sequences } : {}) };
      const scores = model.score(query);
      const top = topKPerRow(scores, model.nItems, options.n, { ...(options.includeSeen ? {} : { exclude: input }), withScores: true });
      const columns = Array.from(top.items).filter((item) => item >= 0);
      const attribution = options.explain ? attributeScores(model, query, 0, columns) : undefined;
      const titleOf = (item: number): string | undefined => {
        const title = itemAttributes?.[item]?.['title'];
        return typeof title === 'string' ? title : undefined;
      };
      const recommendations = columns.map((item, r) => {
        const attributes = itemAttributes?.[item];
        const explanation = attribution && {
          method: attribution.method,
          reasons: topReasons(attribution, r, EXPLAIN_REASONS).map((reason) => {
            const title = titleOf(reason.item);
            return { item: manifest.itemIds[reason.item]!, ...(title !== undefined ? { title } : {}), weight: reason.weight };
          }),
        };
        return { item: manifest.itemIds[item]!, score: top.scores![r]!, ...(attributes ? { attributes } : {}), ...(explanation ? { explanation } : {}) };
      });
      const result = {
        model: manifest.model,
        ...(options.user !== undefined ? { user: options.user } : { items: options.items!.split(',').map((s) => s.trim()) }),
        ...(unknownItems.length > 0 ? { unknownItems } : {}),
        recommendations,
      };
      if (out.json) {
        out.resultJSON(result);
        return;
      }
      if (unknownItems.length > 0) process.stderr.write(`ignored items not in the catalogue: ${unknownItems.join(', ')}\n`);
      const describe = (attributes?: Readonly<Record<string, unknown>>) => {
        if (!attributes) return '';
        const title = typeof attributes['title'] === 'string' ? attributes['title'] : '';
        const genres = Array.isArray(attributes['genres']) ? ` [${(attributes['genres'] as string[]).join(', ')}]` : '';
        return `\t${title}${genres}`;
      };
      const because = (explanation: (typeof recommendations)[number]['explanation']) => {
        if (!explanation) return '';
        const reasons = explanation.reasons.map((r) => `${r.title ?? r.item} (${r.weight >= 0 ? '+' : ''}${r.weight.toPrecision(3)})`);
        return `\n       ${explanation.method}: ${reasons.length > 0 ? reasons.join(', ') : 'no history item raises this score'}`;
      };
      out.result(recommendations.map((rec, i) => `${String(i + 1).padStart(3)}. ${rec.item}\t${rec.score.toFixed(4)}${describe(rec.attributes)}${because(rec.explanation)}`).join('\n'));
    });
}
