/**
 * The dashboard's calls to the recoder API: every one sends the key from
 * sessionStorage as X-API-Key, and every path here is a documented route
 * (/openapi.json). Errors carry the API's JSON message.
 */

const KEY_STORAGE = 'recoder.apiKey';

export type Access = 'read' | 'admin';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_STORAGE);
  else sessionStorage.setItem(KEY_STORAGE, key);
}

export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown, key = storedKey()): Promise<T> {
  const headers: Record<string, string> = {};
  if (key !== null) headers['X-API-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    throw new ApiCallError(response.status, 'not_json', `${method} ${path}: the server answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiCallError(response.status, error?.code ?? 'http_error', error?.message ?? `${method} ${path}: HTTP ${response.status}`);
  }
  return parsed as T;
}

const q = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) search.set(k, String(v));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};

// ---- response types (as in the route schemas) ----

export interface Stats {
  store: 'sqlite' | 'postgres';
  users: number;
  items: number;
  events: number;
  servedVersion: string | null;
  servedModel: string | null;
  loadedAt: string | null;
}

export interface EventsPerDay {
  days: { day: string; events: number }[];
  types: Record<string, number>;
  events: number;
  computedAt: string;
}

export interface WindowStats {
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  serverErrors: number;
  latencyMs: { mean: number | null; p50: number | null; p95: number | null; p99: number | null };
  topRoutes: { route: string; requests: number }[];
}

export interface ServiceStats {
  uptimeSeconds: number;
  lastMinute: WindowStats;
  sinceStart: WindowStats;
  recommendations: { source: string; endpoint: string; served: number }[];
}

export interface EpochRecord {
  epoch: number;
  loss: number | null;
  seconds: number;
  validation?: { score: number | null; values?: Record<string, number | null> };
  values?: Record<string, number | null>;
}

export interface VersionDetails {
  version: string;
  model: string | null;
  hyperParameters: Record<string, unknown>;
  createdAt: string | null;
  libraryVersion?: string | null;
  data: { name: string; fingerprint: string; nUsers: number; nItems: number; nInteractions: number } | null;
  protocol?: Record<string, unknown>;
  metrics?: Record<string, number | null>;
  fitSeconds?: number;
  training?: { epochs: EpochRecord[]; bestEpoch: number; bestScore: number | null; stoppedEarly: boolean; resumedFromEpoch?: number | null };
  serving?: { rule: Record<string, unknown>; minItemUsers: number; trainedAt: string; eventsRead: number; store: string };
  current: boolean;
  served: boolean;
  previous: boolean;
  error?: string;
}

export interface VersionList {
  single: boolean;
  servedVersion: string | null;
  previousVersion: string | null;
  training: { configured: boolean; running: boolean; status: Record<string, unknown> | null };
  versions: VersionDetails[];
}

export interface EvaluationRun {
  id: string;
  file: string;
  index: number;
  modifiedAt: string;
  command: 'evaluate' | 'tune';
  model: string;
  dataset?: string;
  protocol?: Record<string, unknown>;
  seed?: number;
  hyperParameters?: Record<string, unknown>;
  fitSeconds?: number;
  users?: number;
  selectBy?: string;
  metrics: Record<string, number | null>;
  stderr: Record<string, number | null>;
  definitions: Record<string, string>;
}

export interface EvaluationList {
  directory: string | null;
  runs: EvaluationRun[];
  unreadable: { file: string; reason: string }[];
}

export interface FoundItem {
  id: string;
  title: string | null;
  categories: string[];
}

export interface RecommendedItem {
  id: string;
  score: number;
  attributes?: Record<string, unknown>;
}

export interface Recommendations {
  source: 'model' | 'fold-in' | 'sequence' | 'user-attributes' | 'popular';
  modelVersion: string | null;
  items: RecommendedItem[];
  unknownItems?: string[];
}

export interface UserRecord {
  id: string;
  attributes: Record<string, unknown>;
}

export interface EventRecord {
  itemId: string;
  type: string;
  value: number | null;
  timestampMs: number;
}

// ---- calls ----

export const api = {
  keyAccess: (key: string) => request<{ access: Access }>('GET', '/v1/key', undefined, key),
  stats: () => request<Stats>('GET', '/v1/stats'),
  eventsPerDay: () => request<EventsPerDay>('GET', '/v1/stats/events-per-day'),
  serviceStats: () => request<ServiceStats>('GET', '/v1/stats/service'),
  versions: () => request<VersionList>('GET', '/v1/models/versions'),
  rollback: () => request<{ changed: boolean; version: string | null; previousVersion: string | null }>('POST', '/v1/admin/models/rollback'),
  trainNow: () => request<{ status: string; startedAt: string }>('POST', '/v1/admin/models/train'),
  evaluations: () => request<EvaluationList>('GET', '/v1/evaluations'),
  uploadEvaluation: (name: string, runs: unknown[]) => request<{ file: string; runs: number; replaced: boolean }>('POST', '/v1/evaluations', { name, runs, replace: false }),
  searchItems: (text: string, limit = 12) => request<{ items: FoundItem[] }>('GET', `/v1/search/items${q({ q: text, limit })}`),
  lookupItems: (ids: string[]) => request<{ items: FoundItem[] }>('GET', `/v1/search/items${q({ ids: ids.join(','), limit: 100 })}`),
  users: (limit = 12) => request<{ users: UserRecord[]; next: string | null }>('GET', `/v1/users${q({ limit })}`),
  userEvents: (userId: string, limit = 50) => request<{ events: EventRecord[]; next: string | null }>('GET', `/v1/events${q({ userId, limit })}`),
  userRecommendations: (userId: string, n = 10) => request<Recommendations & { user: string }>('GET', `/v1/users/${encodeURIComponent(userId)}/recommendations${q({ n })}`),
  sessionRecommendations: (items: string[], n = 10) => request<Recommendations>('POST', '/v1/recommendations/session', { items, n }),
  similarItems: (itemId: string, n = 10) => request<Recommendations & { item: string }>('GET', `/v1/items/${encodeURIComponent(itemId)}/similar${q({ n })}`),
};
