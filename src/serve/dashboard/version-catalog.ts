/**
 * What the dashboard shows of each model version on disk: the manifest (model,
 * hyper-parameters, data, metrics, training history) without the id lists, and
 * serving.json. A published version never changes, so each is read once.
 */
import { join } from 'node:path';
import { readModelManifest, type ManifestTrainingHistory, type ModelDataInfo } from '../../models/model-file.js';
import type { SplitProtocol } from '../../data/split-types.js';
import { listVersions, readCurrentPointer, readServingInfo, resolveServingVersion, type ServingInfo } from '../model-versions.js';

export interface VersionDetails {
  readonly version: string;
  readonly model: string | null;
  readonly hyperParameters: Readonly<Record<string, unknown>>;
  readonly createdAt: string | null;
  readonly libraryVersion: string | null;
  readonly data: ModelDataInfo | null;
  readonly protocol?: SplitProtocol;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly fitSeconds?: number;
  readonly training?: ManifestTrainingHistory;
  readonly serving?: Omit<ServingInfo, 'format' | 'rule'> & { readonly rule: Readonly<Record<string, unknown>> };
  /** Why the version's files could not be read (the other fields are then empty). */
  readonly error?: string;
}

export interface VersionListing {
  readonly single: boolean;
  /** The version CURRENT names (null for a single saved model or none). */
  readonly pointer: string | null;
  /** Newest first. */
  readonly versions: readonly VersionDetails[];
}

export class VersionCatalog {
  private readonly cache = new Map<string, VersionDetails>();

  constructor(private readonly modelDir: string) {}

  async list(): Promise<VersionListing> {
    const location = await resolveServingVersion(this.modelDir).catch(() => null);
    if (location?.single === true) {
      return { single: true, pointer: null, versions: [await this.details(location.version, location.dir, false)] };
    }
    const names = (await listVersions(this.modelDir)).reverse();
    for (const cached of [...this.cache.keys()]) if (!names.includes(cached)) this.cache.delete(cached);
    const versions = [];
    for (const name of names) versions.push(await this.details(name, join(this.modelDir, name), true));
    return { single: false, pointer: await readCurrentPointer(this.modelDir).catch(() => null), versions };
  }

  private async details(version: string, dir: string, cacheable: boolean): Promise<VersionDetails> {
    const cached = this.cache.get(version);
    if (cached !== undefined) return cached;
    let details: VersionDetails;
    try {
      const manifest = await readModelManifest(dir);
      const serving = await readServingInfo(dir);
      details = {
        version,
        model: manifest.model,
        hyperParameters: manifest.hyperParameters,
        createdAt: manifest.createdAt,
        libraryVersion: manifest.libraryVersion,
        data: manifest.data,
        ...(manifest.protocol !== undefined ? { protocol: manifest.protocol } : {}),
        ...(manifest.metrics !== undefined ? { metrics: manifest.metrics } : {}),
        ...(manifest.fitSeconds !== undefined ? { fitSeconds: manifest.fitSeconds } : {}),
        ...(manifest.training !== undefined ? { training: manifest.training } : {}),
        ...(serving !== null
          ? {
              serving: {
                rule: { ...serving.rule },
                minItemUsers: serving.minItemUsers,
                trainedAt: serving.trainedAt,
                eventsRead: serving.eventsRead,
                store: serving.store,
              },
            }
          : {}),
      };
    } catch (e) {
      // Not cached: a version being repaired by hand is read again on the next listing.
      return { version, model: null, hyperParameters: {}, createdAt: null, libraryVersion: null, data: null, error: (e as Error).message };
    }
    if (cacheable) this.cache.set(version, details);
    return details;
  }
}
