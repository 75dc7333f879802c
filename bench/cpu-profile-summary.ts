/**
 * The top self-time functions of a V8 CPU profile (`node --cpu-prof`, e.g. the
 * server's from `bench/serve-load.js --profile-dir DIR`), as a table:
 *
 *   node dist/bench/cpu-profile-summary.js FILE.cpuprofile [--top 25]
 *
 * Self time is the time a function was on top of the stack (the samples'
 * intervals), which is where the work is; '(idle)' is the event loop waiting,
 * '(program)' native code V8 does not attribute (the HTTP parser, libuv, the
 * engine addon's own threads are not sampled at all).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const { values: args, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
if (positionals.length !== 1) throw new Error('usage: cpu-profile-summary FILE.cpuprofile [--top N]');
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as CpuProfile;

const nodeById = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

/** One row per function (name and place), summed over the call paths it appears on. */
const byFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = nodeById.get(id)!.callFrame;
  const place = frame.url === '' ? '' : ` ${frame.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}`;
  const key = `${frame.functionName || '(anonymous)'}${place}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const totalUs = profile.endTime - profile.startTime;
const busyUs = [...byFunction].filter(([key]) => key !== '(idle)').reduce((sum, [, us]) => sum + us, 0);
const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top));
process.stdout.write(`profile: ${(totalUs / 1e6).toFixed(1)} s, busy (not idle) ${(busyUs / 1e6).toFixed(1)} s\n`);
process.stdout.write(`${'self ms'.padStart(9)} ${'% busy'.padStart(7)}  function\n`);
for (const [key, us] of rows) {
  const share = key === '(idle)' ? '' : ((100 * us) / busyUs).toFixed(1);
  process.stdout.write(`${(us / 1000).toFixed(0).padStart(9)} ${share.padStart(7)}  ${key}\n`);
}
