#!/usr/bin/env node
/**
 * Builds recoder's native engine (build/Release/recoder_engine.node) when
 * this machine can: a C++ compiler, a CBLAS library (OpenBLAS preferred) and
 * Node's headers. Run by `npm install` / `npm ci` as the package's install
 * script, and by hand after installing OpenBLAS.
 *
 * It never fails the install: when anything is missing or the build breaks,
 * it prints one line saying why and that the TypeScript reference backend
 * will be used, and exits 0.
 *
 * Settings (environment):
 *   CXX                    the C++ compiler (default c++)
 *   RECODER_BLAS_INCLUDE   a directory holding cblas.h, when it is not on the default path
 *   RECODER_BLAS_LIBS      linker flags for the BLAS, e.g. "-L/opt/openblas/lib -lopenblas"
 *   RECODER_SKIP_NATIVE=1  do not build
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const addonPath = path.join(packageRoot, 'build', 'Release', 'recoder_engine.node');

function giveUp(reason) {
  console.log(`recoder: native engine not built (${reason}); using the TypeScript reference backend`);
  process.exit(0);
}

/** Runs a command, returning { ok, output } instead of throwing. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 15 * 60 * 1000, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) return { ok: false, output: result.error.message };
  return { ok: result.status === 0, output };
}

/** The last non-empty line of a tool's output, for a one-line reason. */
function lastLine(output) {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.at(-1) ?? 'no output';
}

/** The first line of a compiler's or node-gyp's output that reports an error, else its last line. */
function firstErrorLine(output) {
  const isError = (text) => /error|cannot find|undefined reference|no such file/i.test(text) && !/^gyp (info|verb)|collect2/.test(text);
  const line = output.split('\n').find(isError);
  return line === undefined ? lastLine(output) : line.trim();
}

/** A CBLAS program that must compile, link and print 2 for a BLAS candidate to count. */
const BLAS_PROBE = `#include <cblas.h>
#include <cstdio>
int main() {
  float a = 1, b = 2, c = 0;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1);
#ifdef RECODER_OPENBLAS
  if (openblas_get_config() == nullptr) return 2;
#endif
  std::printf("%g\\n", c);
  return c == 2 ? 0 : 1;
}
`;

const OPENMP_PROBE = `#include <omp.h>
int main() { return omp_get_max_threads() > 0 ? 0 : 1; }
`;

/** BLAS configurations to try, most specific first. */
function blasCandidates() {
  if (process.env.RECODER_BLAS_LIBS) {
    const includeDirs = process.env.RECODER_BLAS_INCLUDE ? [process.env.RECODER_BLAS_INCLUDE] : [];
    const libraries = process.env.RECODER_BLAS_LIBS.split(/\s+/).filter((flag) => flag !== '');
    const isOpenBlas = libraries.some((flag) => flag.includes('openblas'));
    return [{ includeDirs, libraries, openblas: isOpenBlas }];
  }
  const candidates = [
    { includeDirs: [], libraries: ['-lopenblas'], openblas: true },
    { includeDirs: ['/usr/include/openblas'], libraries: ['-lopenblas'], openblas: true }, // Fedora, RHEL
  ];
  for (const prefix of ['/opt/homebrew/opt/openblas', '/usr/local/opt/openblas']) {
    if (existsSync(prefix)) candidates.push({ includeDirs: [`${prefix}/include`], libraries: [`-L${prefix}/lib`, '-lopenblas'], openblas: true });
  }
  candidates.push({ includeDirs: [], libraries: ['-lcblas'], openblas: false }, { includeDirs: [], libraries: ['-lblas'], openblas: false });
  return candidates;
}

function findBlas(cxx, probeDir) {
  const source = path.join(probeDir, 'blas-probe.cc');
  const binary = path.join(probeDir, 'blas-probe');
  writeFileSync(source, BLAS_PROBE);
  let lastFailure = '';
  for (const candidate of blasCandidates()) {
    const flags = [...candidate.includeDirs.map((dir) => `-I${dir}`), ...(candidate.openblas ? ['-DRECODER_OPENBLAS'] : [])];
    const compiled = run(cxx, [...flags, source, '-o', binary, ...candidate.libraries]);
    if (!compiled.ok) {
      lastFailure = firstErrorLine(compiled.output);
      continue;
    }
    const probed = run(binary, []);
    if (probed.ok) return candidate;
    lastFailure = `${candidate.libraries.join(' ')} linked but its SGEMM probe failed: ${lastLine(probed.output)}`;
  }
  return { failure: lastFailure };
}

function hasOpenMp(cxx, probeDir) {
  const source = path.join(probeDir, 'openmp-probe.cc');
  writeFileSync(source, OPENMP_PROBE);
  return run(cxx, ['-fopenmp', source, '-o', path.join(probeDir, 'openmp-probe')]).ok;
}

/** node-gyp's entry script: npm's copy when run by npm, else the one bundled with npm, else a local install. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(createRequire(path.join(packageRoot, 'package.json')).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((candidate) => candidate && existsSync(candidate));
}

/**
 * Where Node's headers are, so that node-gyp never tries to download them
 * (installs may run offline): npm's nodedir setting, else the headers beside
 * this node binary (distribution packages and official tarballs ship them),
 * else node-gyp's own cache. Undefined when none is present.
 */
function findNodeDir() {
  const headersUnder = (dir) => existsSync(path.join(dir, 'include', 'node', 'node_api.h'));
  const configured = process.env.npm_config_nodedir;
  if (configured && headersUnder(configured)) return { nodedir: configured };
  const besideBinary = path.resolve(path.dirname(process.execPath), '..');
  if (headersUnder(besideBinary)) return { nodedir: besideBinary };
  const cacheRoot = process.env.npm_config_devdir ?? path.join(os.homedir(), '.cache', 'node-gyp');
  if (headersUnder(path.join(cacheRoot, process.versions.node))) return { nodedir: undefined };
  return undefined;
}

function main() {
  if (process.env.RECODER_SKIP_NATIVE === '1') giveUp('RECODER_SKIP_NATIVE=1');
  const cxx = process.env.CXX || 'c++';
  const compiler = run(cxx, ['--version']);
  if (!compiler.ok) giveUp(`no C++ compiler: '${cxx} --version' failed: ${lastLine(compiler.output)}`);

  const probeDir = mkdtempSync(path.join(os.tmpdir(), 'recoder-native-probe-'));
  let blas;
  let openmp;
  try {
    blas = findBlas(cxx, probeDir);
    openmp = hasOpenMp(cxx, probeDir);
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }
  if ('failure' in blas) giveUp(`no usable CBLAS/OpenBLAS found (install libopenblas-dev, or set RECODER_BLAS_LIBS): ${blas.failure}`);

  const nodeGyp = findNodeGyp();
  if (!nodeGyp) giveUp('node-gyp not found (it ships with npm)');
  const nodeDir = findNodeDir();
  if (!nodeDir) giveUp(`Node ${process.versions.node} headers not found (set npm_config_nodedir to a Node install with include/node)`);

  const gypArgs = [
    nodeGyp,
    'rebuild',
    ...(nodeDir.nodedir ? [`--nodedir=${nodeDir.nodedir}`] : []),
    `--recoder_blas_include_dirs=${blas.includeDirs.join(' ')}`,
    `--recoder_blas_libraries=${blas.libraries.join(' ')}`,
    `--recoder_blas_defines=${blas.openblas ? 'RECODER_OPENBLAS' : ''}`,
    `--recoder_openmp_flags=${openmp ? '-fopenmp' : ''}`,
  ];
  const built = run(process.execPath, gypArgs, { cwd: packageRoot, env: { ...process.env, CXX: cxx } });
  if (!built.ok) {
    giveUp(`node-gyp rebuild failed: ${firstErrorLine(built.output)}`);
  }

  // Load it once in a fresh process: a library missing at run time shows up here, not in the first training run.
  const loaded = run(process.execPath, ['-e', `const a = require(${JSON.stringify(addonPath)}); console.log(a.info().blasConfig)`]);
  if (!loaded.ok) {
    rmSync(addonPath, { force: true });
    giveUp(`the built addon does not load: ${lastLine(loaded.output)}`);
  }
  const blasName = blas.openblas ? lastLine(loaded.output).split(' ').slice(0, 2).join(' ') : blas.libraries.join(' ');
  console.log(`recoder: native engine built (${blasName}${openmp ? ', OpenMP' : ''}) at ${path.relative(packageRoot, addonPath)}`);
}

main();
