/**
 * Backend selection (RECODER_BACKEND, automatic fallback), the printed
 * description, and the install script's promise never to fail an install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeBackend, loadNativeBackend, nativeAddonPath, referenceBackend, resolveBackend } from '../../src/engine/index.js';

const indexModule = fileURLToPath(new URL('../../src/engine/index.js', import.meta.url));
const packageRoot = path.resolve(nativeAddonPath(), '..', '..', '..');
const nativeBuilt = existsSync(nativeAddonPath());

test('resolveBackend: reference on request, an error for unknown names', () => {
  assert.equal(resolveBackend('reference'), referenceBackend);
  assert.throws(() => resolveBackend('cuda'), { message: "RECODER_BACKEND must be 'native' or 'reference' (or unset for automatic), got 'cuda'" });
});

test('resolveBackend: native when built, else a clear error; automatic choice prefers native', () => {
  const automatic = resolveBackend(undefined);
  if (nativeBuilt) {
    assert.equal(resolveBackend('native').name, 'native');
    assert.equal(automatic.name, 'native');
  } else {
    assert.throws(() => resolveBackend('native'), /RECODER_BACKEND=native was requested but the native engine not built/);
    assert.equal(automatic, referenceBackend);
  }
});

test('describeBackend prints the engine, its library and threads', () => {
  assert.match(describeBackend(referenceBackend), /^reference \(TypeScript\)/);
  const native = loadNativeBackend();
  if (native.status === 'loaded') {
    assert.match(describeBackend(native.backend), /^native \((OpenBLAS \d+\.\d+\.\d+ \w+|CBLAS)(, \d+ threads)?\)$/);
  }
});

test('RECODER_BACKEND in the environment picks the backend of a fresh process', () => {
  const script = `import(${JSON.stringify(indexModule)}).then((m) => console.log(m.getBackend().name + '|' + m.describeBackend()))`;
  const ask = (value: string) =>
    spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, RECODER_BACKEND: value } });
  const reference = ask('reference');
  assert.equal(reference.status, 0, reference.stderr);
  assert.equal(reference.stdout.trim(), 'reference|reference (TypeScript)');
  const native = ask('native');
  if (nativeBuilt) {
    assert.equal(native.status, 0, native.stderr);
    assert.match(native.stdout, /^native\|native \(/);
  } else {
    assert.notEqual(native.status, 0);
    assert.match(native.stderr, /RECODER_BACKEND=native was requested but the native engine not built/);
  }
});

test('build-native.mjs without a compiler prints one line and exits 0', () => {
  const result = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'build-native.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, CXX: path.join(packageRoot, 'no-such-compiler') },
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /^recoder: native engine not built \(no C\+\+ compiler: .*\); using the TypeScript reference backend\n$/);
  assert.equal(existsSync(nativeAddonPath()), nativeBuilt, 'a skipped build must leave an existing addon alone');
});
