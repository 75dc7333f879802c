/**
 * The two shared session samples under the SR-GNN protocol (src/data/splits/sessions.ts):
 * YooChoose as session-rec prepared it (train_full + its last-day test file) and the
 * DIGINETICA sample (the last 7 days are the test sessions).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '../data/paths.js';
import { readDataset } from '../data/readers/index.js';
import { sessionSplitByDays, sessionSplitGivenTest, type SessionSplit } from '../data/splits/sessions.js';

export const SESSION_DATASETS = ['yoochoose-rsc15-clicks-100k-sample', 'diginetica-views-sample'] as const;
export type SessionDatasetName = (typeof SESSION_DATASETS)[number];

/** SR-GNN: DIGINETICA's test sessions are those of the last 7 days. */
const DIGINETICA_TEST_DAYS = 7;

export async function prepareSessionSplit(name: SessionDatasetName, directory: string = dataDir()): Promise<SessionSplit> {
  const folder = path.join(directory, name);
  const file = (base: string) => {
    const location = path.join(folder, base);
    if (!existsSync(location)) throw new Error(`session dataset '${name}': ${location} not found (set RECODER_DATA_DIR)`);
    return location;
  };
  switch (name) {
    case 'yoochoose-rsc15-clicks-100k-sample': {
      const train = await readDataset('session-clicks', file('yoochoose-clicks-100k_train_full.txt'));
      const test = await readDataset('session-clicks', file('yoochoose-clicks-100k_test.txt'));
      return sessionSplitGivenTest(train.dataset, test.dataset);
    }
    case 'diginetica-views-sample':
      return sessionSplitByDays((await readDataset('diginetica-views', file('sample_train-item-views.csv'))).dataset, DIGINETICA_TEST_DAYS);
    default:
      throw new Error(`unknown session dataset '${name as string}'; known: ${SESSION_DATASETS.join(', ')}`);
  }
}
