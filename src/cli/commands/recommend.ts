import { selectSequenceRows, sequencesFromLists, type UserSequences } from '../../data/sequences.js';
import { Command } from 'commander';
import { csrFromCoo, type CsrMatrix } from '../../data/csr.js';
import { topKPerRow } from '../../eval/top-k.js';
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
  json?: boolean;
}

export function recommendCommand(): Command {
  return new Command('recommend')
    .description('top-N items from a saved model, for a known user id or for a list of item ids (an anonymous session)')
    .requiredOption('--model-dir <dir>', 'directory written by `recoder train`, or a versioned one (train-store, serve)')
    .option('-u, --user <id>', 'a user id from the training data')
    .option('-i, --items <ids>', 'comma-separated item ids the visitor interacted with')
    .option('-n, --n <count>', 'number of recommendations', parseInteger('--n'), 10)
    .option('--include-seen', "allow items the user already interacted with")
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
      const scores = model.score({ histories: input, users, ...(sequences ? { sequences } : {}) });
      const top = topKPerRow(scores, model.nItems, options.n, { ...(options.includeSeen ? {} : { exclude: input }), withScores: true });
      const recommendations = [];
      for (let r = 0; r < options.n; r++) {
        const item = top.items[r]!;
        if (item < 0) break;
        const attributes = itemAttributes?.[item];
        recommendations.push({ item: manifest.itemIds[item]!, score: top.scores![r]!, ...(attributes ? { attributes } : {}) });
      }
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
      out.result(recommendations.map((rec, i) => `${String(i + 1).padStart(3)}. ${rec.item}\t${rec.score.toFixed(4)}${describe(rec.attributes)}`).join('\n'));
    });
}
