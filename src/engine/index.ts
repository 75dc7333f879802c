/**
 * Chooses the numeric backend for this process.
 *
 * By default the native addon is used when it was built and passes its
 * self-check, and the TypeScript reference otherwise. The environment
 * variable RECODER_BACKEND=native|reference forces one; forcing `native`
 * when it is unavailable is an error rather than a silent fallback, so a
 * benchmark or CI job cannot measure the wrong engine by accident.
 */
import type { Backend } from './backend.js';
import { loadNativeBackend, type NativeLoadResult } from './native.js';
import { referenceBackend } from './reference.js';

export type { Activation, AdamStep, Backend, CsrOperand, ThreadBudget } from './backend.js';
export { ACTIVATIONS } from './backend.js';
export { referenceBackend } from './reference.js';
export { engineEnvironment, loadNativeBackend, nativeAddonPath, type NativeLoadResult } from './native.js';

export const BACKEND_ENV_VARIABLE = 'RECODER_BACKEND';

/** Why the native backend is not in use, in words, or undefined when it loaded. */
function nativeUnavailableReason(result: NativeLoadResult): string | undefined {
  switch (result.status) {
    case 'loaded':
      return undefined;
    case 'not-built':
      return `native engine not built (no ${result.addonPath}; run \`node scripts/build-native.mjs\` with a C++ compiler and OpenBLAS installed)`;
    case 'failed':
      return `native engine failed to load: ${result.reason}`;
  }
}

/**
 * The backend for a requested name: 'native', 'reference', or undefined/'' for
 * the automatic choice. Not cached; `getBackend` caches the choice made from
 * the environment.
 */
export function resolveBackend(requested: string | undefined): Backend {
  if (requested === undefined || requested === '') {
    const native = loadNativeBackend();
    return native.status === 'loaded' ? native.backend : referenceBackend;
  }
  if (requested === 'reference') return referenceBackend;
  if (requested === 'native') {
    const native = loadNativeBackend();
    if (native.status === 'loaded') return native.backend;
    throw new Error(`${BACKEND_ENV_VARIABLE}=native was requested but the ${nativeUnavailableReason(native)}`);
  }
  throw new Error(`${BACKEND_ENV_VARIABLE} must be 'native' or 'reference' (or unset for automatic), got '${requested}'`);
}

let chosenBackend: Backend | undefined;

/** The process's backend, chosen on first call from RECODER_BACKEND and what is installed. */
export function getBackend(): Backend {
  chosenBackend ??= resolveBackend(process.env[BACKEND_ENV_VARIABLE]);
  return chosenBackend;
}

/**
 * A printable line naming the backend, e.g. "native (OpenBLAS 0.3.21, 2 threads)" or
 * "reference (TypeScript)". When the reference runs because the native engine is
 * missing or broken (rather than by request), the line says so.
 */
export function describeBackend(backend: Backend = getBackend()): string {
  const threads = backend.threads > 1 ? `, ${backend.threads} threads` : '';
  let line = `${backend.name} (${backend.library}${threads})`;
  if (backend.name === 'reference' && process.env[BACKEND_ENV_VARIABLE] !== 'reference') {
    const reason = nativeUnavailableReason(loadNativeBackend());
    if (reason !== undefined) line += ` — ${reason}`;
  }
  return line;
}
