/**
 * The session-based protocol of SR-GNN (Wu et al., AAAI 2019; its datasets/preprocess.py),
 * used by NARM, STAMP, SR-GNN and the session-rec comparisons on YooChoose and DIGINETICA:
 *
 *   1. sessions of one click are dropped;
 *   2. items clicked fewer than `minItemClicks` (5) times over the remaining sessions are
 *      removed from them, and sessions left with fewer than 2 clicks are dropped (one pass,
 *      as in SR-GNN, not an iterated core);
 *   3. test sessions: those of a given test file (YooChoose as prepared by session-rec: its
 *      last day), or those whose day is after maxDay − `testDays` (DIGINETICA: 7 days);
 *      training sessions are those whose day is before it. As in SR-GNN, a session whose day
 *      is exactly maxDay − testDays is in neither. A session's day is that of its latest click;
 *   4. the catalogue is the items of the training sessions; test clicks on other items are
 *      removed and test sessions left with fewer than 2 clicks are dropped.
 *
 * Evaluation (src/eval/sessions.ts) predicts every click after the first of each test session
 * from the clicks before it. A Dataset's "users" are the sessions (src/data/readers/session-clicks.ts).
 * Clicks within a session are ordered by time, ties by file order; repeats are kept.
 */
import { csrFromCoo } from '../csr.js';
import { IdMap } from '../id-map.js';
import type { Dataset } from '../interactions.js';
import { sequencesFromLists, type UserSequences } from '../sequences.js';
import type { TrainingData } from '../training-data.js';

const SECONDS_PER_DAY = 86400;

export interface SessionFilterOptions {
  /** Items clicked fewer times are removed (SR-GNN: 5). */
  readonly minItemClicks?: number;
}

export type SessionTestRule = { readonly kind: 'given-file' } | { readonly kind: 'last-days'; readonly days: number };

export interface SessionSplitProtocol {
  readonly kind: 'sessions';
  readonly test: SessionTestRule;
  readonly minItemClicks: number;
}

export interface SessionTestSet {
  /** Each test session's clicks over the training catalogue, in order (at least 2 each). */
  readonly sessions: UserSequences;
  readonly sessionIds: readonly string[];
}

/** What each step removed, to be stated with every result. */
export interface SessionSplitCounts {
  readonly inputSessions: number;
  readonly inputClicks: number;
  readonly oneClickSessions: number;
  readonly rareItems: number;
  readonly sessionsShortAfterRareItems: number;
  /** DIGINETICA rule only: sessions on the cut-off day itself. */
  readonly sessionsOnCutoffDay: number;
  readonly testClicksOnUnseenItems: number;
  readonly testSessionsShortAfterUnseenItems: number;
  readonly trainSessions: number;
  readonly trainClicks: number;
  readonly testSessions: number;
  readonly testClicks: number;
  /** Predictions the evaluation makes: test clicks minus test sessions. */
  readonly testPredictions: number;
  readonly items: number;
}

export interface SessionSplit {
  readonly protocol: SessionSplitProtocol;
  /** Training sessions × catalogue items, with each session's clicks in order. */
  readonly train: TrainingData & { readonly sequences: UserSequences };
  readonly test: SessionTestSet;
  readonly trainSessionIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly counts: SessionSplitCounts;
}

/** One session's clicks (global item indices) and times, in order. */
interface RawSession {
  readonly id: string;
  items: number[];
  times: number[];
  /** The day (Unix days) of its latest click. */
  day: number;
  test: boolean;
}

/** SR-GNN's YooChoose setting: the test sessions are those of `test` (a separate file). */
export function sessionSplitGivenTest(train: Dataset, test: Dataset, options: SessionFilterOptions = {}): SessionSplit {
  const items = new IdMap();
  const sessions = [...sessionsOf(train, items, false), ...sessionsOf(test, items, true)];
  return finishSplit(sessions, items, { kind: 'given-file' }, options);
}

/** SR-GNN's DIGINETICA setting: sessions of the last `testDays` days are the test sessions. */
export function sessionSplitByDays(dataset: Dataset, testDays: number, options: SessionFilterOptions = {}): SessionSplit {
  if (!(Number.isInteger(testDays) && testDays >= 1)) throw new RangeError(`testDays must be a positive integer, got ${testDays}`);
  const items = new IdMap();
  return finishSplit(sessionsOf(dataset, items, false), items, { kind: 'last-days', days: testDays }, options);
}

/** The dataset's sessions in row order, each one's clicks by time (ties: file order). */
function sessionsOf(dataset: Dataset, items: IdMap, test: boolean): RawSession[] {
  const log = dataset.interactions;
  if (!dataset.hasTimestamps) throw new Error(`session protocol: '${dataset.name}' has no click times`);
  const byRow: number[][] = Array.from({ length: dataset.users.size }, () => []);
  for (let e = 0; e < log.length; e++) byRow[log.users[e]!]!.push(e);
  const time = (e: number) => (Number.isNaN(log.timestamps[e]!) ? -Infinity : log.timestamps[e]!);
  return byRow.map((events, row) => {
    events.sort((a, b) => time(a) - time(b) || a - b);
    const times = events.map((e) => log.timestamps[e]!);
    const latest = times.reduce((m, t) => (t > m ? t : m), -Infinity);
    return {
      id: dataset.users.idOf(row),
      items: events.map((e) => items.add(dataset.items.idOf(log.items[e]!))),
      times,
      day: Math.floor(latest / SECONDS_PER_DAY),
      test,
    };
  });
}

function finishSplit(all: RawSession[], items: IdMap, rule: SessionTestRule, options: SessionFilterOptions): SessionSplit {
  const minItemClicks = options.minItemClicks ?? 5;
  if (!(Number.isInteger(minItemClicks) && minItemClicks >= 1)) throw new RangeError(`minItemClicks must be a positive integer, got ${minItemClicks}`);
  const inputClicks = all.reduce((n, s) => n + s.items.length, 0);

  // 1. One-click sessions go.
  const multi = all.filter((s) => s.items.length >= 2);
  // 2. Rare items leave the remaining sessions; sessions left short go.
  const clicks = new Int32Array(items.size);
  for (const s of multi) for (const i of s.items) clicks[i]!++;
  let rareItems = 0;
  for (let i = 0; i < items.size; i++) if (clicks[i]! > 0 && clicks[i]! < minItemClicks) rareItems++;
  const kept = multi.filter((s) => keepClicks(s, (i) => clicks[i]! >= minItemClicks));

  // 3. Train and test sessions.
  let train: RawSession[];
  let test: RawSession[];
  let onCutoff = 0;
  if (rule.kind === 'given-file') {
    train = kept.filter((s) => !s.test);
    test = kept.filter((s) => s.test);
  } else {
    const maxDay = kept.reduce((m, s) => Math.max(m, s.day), -Infinity);
    const cutoff = maxDay - rule.days;
    train = kept.filter((s) => s.day < cutoff);
    test = kept.filter((s) => s.day > cutoff);
    onCutoff = kept.length - train.length - test.length;
  }

  // 4. The catalogue is what training sessions clicked, numbered in order of first click.
  const catalogue = new Int32Array(items.size).fill(-1);
  const itemIds: string[] = [];
  for (const s of train) {
    for (const i of s.items) {
      if (catalogue[i] === -1) {
        catalogue[i] = itemIds.length;
        itemIds.push(items.idOf(i));
      }
    }
  }
  const testClicksBefore = test.reduce((n, s) => n + s.items.length, 0);
  const testKept = test.filter((s) => keepClicks(s, (i) => catalogue[i]! >= 0));
  const testClicksAfterUnseen = test.reduce((n, s) => n + s.items.length, 0);

  const toCatalogue = (s: RawSession) => s.items.map((i) => catalogue[i]!);
  const nItems = itemIds.length;
  const trainLists = train.map(toCatalogue);
  const rows = trainLists.flatMap((list, r) => list.map(() => r));
  const matrix = csrFromCoo(train.length, nItems, rows, trainLists.flat(), null, 'last').withConstantValues(1);
  const trainSequences = sequencesFromLists(trainLists, nItems, train.map((s) => s.times));
  const testSequences = sequencesFromLists(testKept.map(toCatalogue), nItems, testKept.map((s) => s.times));
  const testClicks = testSequences.items.length;

  return {
    protocol: { kind: 'sessions', test: rule, minItemClicks },
    train: { matrix, sequences: trainSequences },
    test: { sessions: testSequences, sessionIds: testKept.map((s) => s.id) },
    trainSessionIds: train.map((s) => s.id),
    itemIds,
    counts: {
      inputSessions: all.length,
      inputClicks,
      oneClickSessions: all.length - multi.length,
      rareItems,
      sessionsShortAfterRareItems: multi.length - kept.length,
      sessionsOnCutoffDay: onCutoff,
      testClicksOnUnseenItems: testClicksBefore - testClicksAfterUnseen,
      testSessionsShortAfterUnseenItems: test.length - testKept.length,
      trainSessions: train.length,
      trainClicks: trainSequences.items.length,
      testSessions: testKept.length,
      testClicks,
      testPredictions: testClicks - testKept.length,
      items: nItems,
    },
  };
}

/** Removes the session's clicks that fail `keep`; true when at least 2 clicks remain. */
function keepClicks(session: RawSession, keep: (item: number) => boolean): boolean {
  const items: number[] = [];
  const times: number[] = [];
  session.items.forEach((item, k) => {
    if (keep(item)) {
      items.push(item);
      times.push(session.times[k]!);
    }
  });
  session.items = items;
  session.times = times;
  return items.length >= 2;
}
