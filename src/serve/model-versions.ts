/**
 * Model versions on disk. A model directory holds one sub-directory per
 * trained version and a pointer to the one to serve:
 *
 *   <model-dir>/20250101T120000000Z/   manifest.json, weights.safetensors, items.json (model-file.ts)
 *                                      and serving.json (how events become rows, below)
 *   <model-dir>/20250102T120000000Z/
 *   <model-dir>/CURRENT                the name of the version to serve, one line
 *
 * A version is written whole into a hidden temporary directory beside the
 * others and renamed into place (atomic on one file system), and CURRENT is
 * rewritten atomically last: a reader sees the old version or the complete new
 * one, never a half-written one. A server started later, or a rollback,
 * follows CURRENT. A directory that is itself a saved model (manifest.json
 * inside, e.g. from `recoder train -o DIR`) is served as a single version.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { MANIFEST_FILE } from '../models/model-file.js';
import { checkEventFilter, type InteractionRule } from './event-filter.js';

export const CURRENT_FILE = 'CURRENT';
export const SERVING_FILE = 'serving.json';
const TEMP_PREFIX = '.tmp-';
/** A temporary directory older than this was left by a crashed or killed trainer. */
const ABANDONED_TEMP_MS = 60 * 60 * 1000;
const VERSION_NAME = /^(\d{8}T\d{9}Z)(?:-(\d+))?$/;

/** What a served version needs besides the model: how to turn events into rows, and where the data came from. */
export interface ServingInfo {
  readonly format: 'recoder-serving';
  readonly rule: InteractionRule;
  /** Items with fewer distinct users were left out of training (1 = none left out). */
  readonly minItemUsers: number;
  readonly trainedAt: string;
  /** Events read from the store, before filtering. */
  readonly eventsRead: number;
  readonly store: string;
}

/** How rows are built for a model saved without serving.json (`recoder train` on a file): every event counts, as 1. */
export const DEFAULT_RULE: InteractionRule = Object.freeze({ filter: {}, useValues: false });

export interface VersionLocation {
  readonly version: string;
  readonly dir: string;
  /** True when the model directory is itself one saved model (no versions, no CURRENT). */
  readonly single: boolean;
}

/** '20250102T030405678Z' for 2025-01-02 03:04:05.678 UTC: names sort in time order. */
export function versionNameFor(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

function compareVersions(a: string, b: string): number {
  const ma = VERSION_NAME.exec(a)!;
  const mb = VERSION_NAME.exec(b)!;
  return ma[1]!.localeCompare(mb[1]!) || Number(ma[2] ?? 1) - Number(mb[2] ?? 1);
}

/** Complete versions (their manifest is there), oldest first. */
export async function listVersions(modelDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(modelDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names.filter((name) => VERSION_NAME.test(name) && existsSync(join(modelDir, name, MANIFEST_FILE))).sort(compareVersions);
}

/** The version CURRENT names, or null when there is no CURRENT. */
export async function readCurrentPointer(modelDir: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(join(modelDir, CURRENT_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const name = text.trim();
  if (!VERSION_NAME.test(name)) throw new Error(`${join(modelDir, CURRENT_FILE)} should name a version like 20250101T120000000Z, got '${name.slice(0, 80)}'`);
  return name;
}

/**
 * The version to serve: the one CURRENT names when it is complete, else the
 * newest complete one; null when there is none yet.
 */
export async function resolveServingVersion(modelDir: string): Promise<VersionLocation | null> {
  if (existsSync(join(modelDir, MANIFEST_FILE))) return { version: basename(modelDir), dir: modelDir, single: true };
  const current = await readCurrentPointer(modelDir);
  if (current !== null && existsSync(join(modelDir, current, MANIFEST_FILE))) return { version: current, dir: join(modelDir, current), single: false };
  const versions = await listVersions(modelDir);
  const newest = versions[versions.length - 1];
  return newest === undefined ? null : { version: newest, dir: join(modelDir, newest), single: false };
}

/**
 * The directory of the saved model that `modelDir` serves: itself when it is
 * one saved model, else the version CURRENT names (or the newest). For
 * commands that take either kind of directory (recommend).
 */
export async function servedModelDirectory(modelDir: string): Promise<string> {
  return (await resolveServingVersion(modelDir))?.dir ?? modelDir;
}

export async function writeCurrentPointer(modelDir: string, version: string): Promise<void> {
  if (!existsSync(join(modelDir, version, MANIFEST_FILE))) throw new Error(`cannot point ${join(modelDir, CURRENT_FILE)} at '${version}': no complete version there`);
  await writeFileAtomic(join(modelDir, CURRENT_FILE), `${version}\n`);
}

/** Reads serving.json of a version; versions without one get the default rule. */
export async function readServingInfo(versionDir: string): Promise<ServingInfo | null> {
  const path = join(versionDir, SERVING_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let parsed: ServingInfo;
  try {
    parsed = JSON.parse(text) as ServingInfo;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (parsed.format !== 'recoder-serving' || typeof parsed.rule !== 'object' || typeof parsed.rule.useValues !== 'boolean') {
    throw new Error(`${path}: expected { format: 'recoder-serving', rule: { filter, useValues }, ... }`);
  }
  checkEventFilter(parsed.rule.filter ?? {}, `${path} rule.filter`);
  return parsed;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface PublishOptions {
  /** Complete versions to keep on disk, the new one included (at least 2, so there is one to roll back to). */
  readonly keep: number;
  readonly now?: Date;
}

/**
 * Writes a new version: `write` fills a temporary directory, which is then
 * renamed to the version's name; CURRENT is pointed at it last, and versions
 * beyond `keep` are removed. Returns the version's name.
 */
export async function publishVersion(modelDir: string, write: (dir: string) => Promise<void>, options: PublishOptions): Promise<string> {
  if (!Number.isInteger(options.keep) || options.keep < 2) throw new Error(`versions to keep must be an integer of at least 2, got ${options.keep}`);
  if (existsSync(join(modelDir, MANIFEST_FILE))) {
    throw new Error(`${modelDir} holds a single saved model (manifest.json), not versions: give an empty or versioned directory`);
  }
  await mkdir(modelDir, { recursive: true });
  const temp = join(modelDir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
  await mkdir(temp);
  try {
    await write(temp);
    await syncDirectory(temp);
  } catch (e) {
    await rm(temp, { recursive: true, force: true });
    throw e;
  }
  const base = versionNameFor(options.now ?? new Date());
  let version = base;
  for (let attempt = 2; ; attempt++) {
    // Two trainers finishing in the same millisecond get -2, -3, ...; rename() refuses a non-empty target.
    if (!existsSync(join(modelDir, version))) {
      try {
        await rename(temp, join(modelDir, version));
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') {
          await rm(temp, { recursive: true, force: true });
          throw e;
        }
      }
    }
    version = `${base}-${attempt}`;
  }
  await syncDirectory(modelDir);
  await writeCurrentPointer(modelDir, version);
  await pruneVersions(modelDir, options.keep);
  return version;
}

/** Removes complete versions beyond the newest `keep` (never the one CURRENT names) and abandoned temporary directories. */
export async function pruneVersions(modelDir: string, keep: number): Promise<string[]> {
  const versions = await listVersions(modelDir);
  const current = await readCurrentPointer(modelDir);
  const removed: string[] = [];
  for (const version of versions.slice(0, Math.max(0, versions.length - keep))) {
    if (version === current) continue;
    await rm(join(modelDir, version), { recursive: true, force: true });
    removed.push(version);
  }
  await removeAbandonedTemporaries(modelDir);
  return removed;
}

/** `.CURRENT.<pid>.<random>.tmp`, written by writeFileAtomic and renamed onto CURRENT. */
const CURRENT_TEMP = /^\.CURRENT\.\d+\.[0-9a-f]+\.tmp$/;

/**
 * Removes what killed trainers leave behind: temporary version directories
 * and temporary CURRENT files older than an hour (younger ones may belong to
 * a trainer still running). Run at every publish and when a server starts.
 */
export async function removeAbandonedTemporaries(modelDir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(modelDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX) && !CURRENT_TEMP.test(name)) continue;
    const info = await stat(join(modelDir, name)).catch(() => undefined);
    if (info !== undefined && now - info.mtimeMs > ABANDONED_TEMP_MS) {
      await rm(join(modelDir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Refuses a --model-dir that is not one: a file, or a folder holding other
 * things than model versions (a system or home directory, say), where
 * publishing and pruning would write and delete among someone else's files.
 * A missing or empty folder, a versioned one, and one saved model are fine.
 */
export async function checkModelDirectory(modelDir: string): Promise<void> {
  let names: string[];
  try {
    const info = await stat(modelDir);
    if (!info.isDirectory()) throw new Error(`--model-dir ${modelDir} is a file, not a folder: give a new or empty folder for the model versions`);
    names = await readdir(modelDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (names.includes(MANIFEST_FILE)) return;
  const foreign = names.filter((name) => !(name === CURRENT_FILE || VERSION_NAME.test(name) || name.startsWith(TEMP_PREFIX) || CURRENT_TEMP.test(name)));
  if (foreign.length > 0) {
    throw new Error(
      `--model-dir ${modelDir} holds other files than model versions (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}): give a new or empty folder, or one written by recoder train-store`,
    );
  }
}
