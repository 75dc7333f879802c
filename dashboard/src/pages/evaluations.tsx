/**
 * Evaluations: saved `recoder evaluate --json` / `tune --json` runs as a
 * sortable table (mean ± standard error per metric), a bar chart per metric
 * with ±1 standard error whiskers, and two runs side by side.
 */
import { useMemo, useState } from 'preact/hooks';
import { api, type Access, type EvaluationRun } from '../api';
import { fixed, shortJson, when } from '../format';
import { useApi } from '../use-api';

type SortKey = { readonly column: 'model' | 'dataset' | 'file' } | { readonly column: 'metric'; readonly metric: string };

const label = (run: EvaluationRun) => `${run.model} · ${run.dataset ?? '?'} · ${run.file}${run.index > 0 ? `#${run.index}` : ''}`;

function metricNames(runs: readonly EvaluationRun[]): string[] {
  const names = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.metrics)) names.add(name);
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Lower is better for error metrics and popularity bias; higher for the rest. */
const lowerIsBetter = (metric: string) => /^(rmse|mae|popularity_bias)/.test(metric);

function MetricBars({ metric, runs, definition }: { metric: string; runs: readonly EvaluationRun[]; definition?: string }) {
  const rows = runs.filter((r) => r.metrics[metric] !== null && r.metrics[metric] !== undefined);
  const top = Math.max(...rows.map((r) => r.metrics[metric]! + (r.stderr[metric] ?? 0)), 1e-12);
  const width = 520;
  const labelWidth = 200;
  const barHeight = 22;
  const scale = (v: number) => ((width - labelWidth - 70) * v) / top;
  return (
    <figure class="bars" data-testid={`metric-chart-${metric}`}>
      <figcaption>
        <strong>{metric}</strong> <span class="muted">{lowerIsBetter(metric) ? '(lower is better)' : '(higher is better)'} {definition ?? ''}</span>
      </figcaption>
      <svg width="100%" viewBox={`0 0 ${width} ${rows.length * (barHeight + 6) + 6}`} role="img" aria-label={`${metric} by run`}>
        {rows.map((run, i) => {
          const y = 6 + i * (barHeight + 6);
          const mean = run.metrics[metric]!;
          const se = run.stderr[metric] ?? 0;
          return (
            <g key={run.id}>
              <text x={labelWidth - 8} y={y + barHeight * 0.7} text-anchor="end" class="bar-label">{run.model} ({run.file.replace(/\.json$/, '')})</text>
              <rect x={labelWidth} y={y} width={Math.max(scale(mean), 1)} height={barHeight} class="bar" />
              {se > 0 && (
                <g class="whisker">
                  <line x1={labelWidth + scale(mean - se)} x2={labelWidth + scale(mean + se)} y1={y + barHeight / 2} y2={y + barHeight / 2} />
                  <line x1={labelWidth + scale(mean - se)} x2={labelWidth + scale(mean - se)} y1={y + 5} y2={y + barHeight - 5} />
                  <line x1={labelWidth + scale(mean + se)} x2={labelWidth + scale(mean + se)} y1={y + 5} y2={y + barHeight - 5} />
                </g>
              )}
              <text x={labelWidth + scale(mean + se) + 6} y={y + barHeight * 0.7} class="bar-value">{fixed(mean)}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

function SideBySide({ a, b, metrics }: { a: EvaluationRun; b: EvaluationRun; metrics: readonly string[] }) {
  const setting = (run: EvaluationRun) => ({
    dataset: run.dataset ?? '—',
    protocol: run.protocol ? shortJson(run.protocol) : '—',
    seed: run.seed ?? '—',
    users: run.users ?? '—',
    'hyper-parameters': run.hyperParameters ? shortJson(run.hyperParameters) : '—',
    'fit seconds': fixed(run.fitSeconds, 2),
    saved: when(run.modifiedAt),
  });
  const sa = setting(a);
  const sb = setting(b);
  return (
    <div class="panel" data-testid="side-by-side">
      <h3>Side by side</h3>
      <table class="grid side">
        <thead>
          <tr><th /><th>A: {label(a)}</th><th>B: {label(b)}</th><th>B − A</th></tr>
        </thead>
        <tbody>
          {Object.keys(sa).map((k) => (
            <tr key={k} class={String(sa[k as keyof typeof sa]) !== String(sb[k as keyof typeof sb]) ? 'differs' : ''}>
              <th>{k}</th><td>{String(sa[k as keyof typeof sa])}</td><td>{String(sb[k as keyof typeof sb])}</td><td />
            </tr>
          ))}
          {metrics.map((m) => {
            const ma = a.metrics[m];
            const mb = b.metrics[m];
            const both = ma !== null && ma !== undefined && mb !== null && mb !== undefined;
            const se = Math.hypot(a.stderr[m] ?? 0, b.stderr[m] ?? 0);
            const diff = both ? mb - ma : null;
            const better = diff !== null && (lowerIsBetter(m) ? diff < 0 : diff > 0);
            return (
              <tr key={m}>
                <th>{m}</th>
                <td>{fixed(ma)} ± {fixed(a.stderr[m])}</td>
                <td>{fixed(mb)} ± {fixed(b.stderr[m])}</td>
                <td class={`diff ${diff === null ? '' : better ? 'good' : 'bad'}`}>
                  {diff === null ? '—' : `${diff >= 0 ? '+' : ''}${fixed(diff)} ± ${fixed(se)}`}
                  {diff !== null && se > 0 && Math.abs(diff) > 2 * se ? ' *' : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="muted">± is one standard error of the per-user mean; for the difference, the two errors combined as if the runs were independent (a paired test on the same split would be tighter). * marks differences beyond two standard errors. Rows in italics differ in setting: compare with care.</p>
    </div>
  );
}

function Upload({ onDone }: { onDone: () => void }) {
  const [message, setMessage] = useState<string | undefined>(undefined);
  const upload = async (file: File) => {
    try {
      const parsed = JSON.parse(await file.text()) as unknown;
      const name = file.name.replace(/\.json$/i, '').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'evaluation';
      const saved = await api.uploadEvaluation(name, Array.isArray(parsed) ? parsed : [parsed]);
      setMessage(`Saved ${saved.runs} run(s) as ${saved.file}.`);
      onDone();
    } catch (e) {
      setMessage(`Could not upload ${file.name}: ${(e as Error).message}`);
    }
  };
  return (
    <p class="admin" data-testid="admin-upload">
      <label>
        Upload the output of <code>recoder evaluate --json</code>:{' '}
        <input type="file" accept="application/json,.json" onChange={(e) => { const f = (e.currentTarget as HTMLInputElement).files?.[0]; if (f) void upload(f); }} />
      </label>
      {message && <span class="muted"> {message}</span>}
    </p>
  );
}

export function EvaluationsPage({ access }: { access: Access }) {
  const list = useApi(api.evaluations, [], 30_000);
  const [sort, setSort] = useState<SortKey & { descending: boolean }>({ column: 'file', descending: false });
  const [picked, setPicked] = useState<string[]>([]);
  const runs = list.data?.runs ?? [];
  const metrics = useMemo(() => metricNames(runs), [runs]);
  const sorted = useMemo(() => {
    const value = (run: EvaluationRun): string | number => {
      if (sort.column === 'metric') return run.metrics[sort.metric] ?? -Infinity;
      return sort.column === 'file' ? `${run.file}#${String(run.index).padStart(5, '0')}` : (run[sort.column] ?? '');
    };
    return [...runs].sort((x, y) => {
      const a = value(x);
      const b = value(y);
      const order = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
      return sort.descending ? -order : order;
    });
  }, [runs, sort]);
  const sortBy = (key: SortKey) =>
    setSort((s) => {
      const same = s.column === key.column && (key.column !== 'metric' || (s.column === 'metric' && s.metric === key.metric));
      return { ...key, descending: same ? !s.descending : key.column === 'metric' };
    });
  const arrow = (key: SortKey) => {
    const same = sort.column === key.column && (key.column !== 'metric' || (sort.column === 'metric' && sort.metric === key.metric));
    return same ? (sort.descending ? ' ▼' : ' ▲') : '';
  };
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id].slice(-2)));
  const pair = picked.map((id) => runs.find((r) => r.id === id)).filter((r): r is EvaluationRun => r !== undefined);
  const definitions = Object.assign({}, ...runs.map((r) => r.definitions)) as Record<string, string>;

  return (
    <section data-testid="page-evaluations">
      <h2>Evaluations</h2>
      {list.error && <p class="error">{list.error}</p>}
      {list.data && (
        <p class="muted">
          Runs saved in {list.data.directory ? <code>{list.data.directory}</code> : 'no directory (start recoder serve with --evaluations-dir)'}: save one with{' '}
          <code>recoder evaluate ... --json &gt; {list.data.directory ?? 'DIR'}/NAME.json</code>.
        </p>
      )}
      {access === 'admin' && list.data?.directory && <Upload onDone={list.reload} />}
      {list.data?.unreadable.map((u) => (
        <p key={u.file} class="error">{u.file}: {u.reason}</p>
      ))}
      {list.data && runs.length === 0 && <p class="muted">No evaluation runs saved yet.</p>}
      {runs.length > 0 && (
        <>
          <p class="muted">Click a column to sort; tick two runs to compare them side by side.</p>
          <div class="scroll">
            <table class="grid" data-testid="evaluations-table">
              <thead>
                <tr>
                  <th />
                  <th class="sortable" onClick={() => sortBy({ column: 'model' })}>model{arrow({ column: 'model' })}</th>
                  <th class="sortable" onClick={() => sortBy({ column: 'dataset' })}>dataset{arrow({ column: 'dataset' })}</th>
                  <th>protocol</th>
                  <th class="sortable" onClick={() => sortBy({ column: 'file' })}>file{arrow({ column: 'file' })}</th>
                  {metrics.map((m) => (
                    <th key={m} class="sortable" title={definitions[m]} onClick={() => sortBy({ column: 'metric', metric: m })}>
                      {m}{arrow({ column: 'metric', metric: m })}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {sorted.map((run) => (
                  <tr key={run.id} class={picked.includes(run.id) ? 'selected' : ''}>
                    <td><input type="checkbox" aria-label={`compare ${label(run)}`} checked={picked.includes(run.id)} onChange={() => toggle(run.id)} /></td>
                    <td>{run.model}{run.command === 'tune' ? <span class="badge">tuned</span> : null}</td>
                    <td>{run.dataset ?? '—'}</td>
                    <td>{String(run.protocol?.['kind'] ?? '—')}{run.seed !== undefined ? `, seed ${run.seed}` : ''}</td>
                    <td><code>{run.file}</code></td>
                    {metrics.map((m) => (
                      <td key={m} class="number">
                        {fixed(run.metrics[m])}
                        {run.stderr[m] !== null && run.stderr[m] !== undefined ? <span class="muted"> ± {fixed(run.stderr[m])}</span> : null}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pair.length === 2 && <SideBySide a={pair[0]!} b={pair[1]!} metrics={metrics} />}
          <div class="chart-grid">
            {metrics.map((m) => (
              <MetricBars key={m} metric={m} runs={sorted} definition={definitions[m]} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
