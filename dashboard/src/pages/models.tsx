/** Models: every version on disk, its manifest, the training curve of neural models (best epoch marked), and the admin actions. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { api, type Access, type EvaluationRun, type VersionDetails } from '../api';
import { Chart, markerPlugin } from '../chart';
import { count, duration, fixed, shortJson, when } from '../format';
import { useApi } from '../use-api';

/** The name of the validation score: the one validation value, when the model reports it (ndcg@100, rmse). */
function validationName(version: VersionDetails): string {
  const values = version.training?.epochs.find((e) => e.validation?.values)?.validation?.values;
  const names = values ? Object.keys(values) : [];
  return names.length === 1 ? names[0]! : 'validation score';
}

function TrainingCurve({ version }: { version: VersionDetails }) {
  const training = version.training!;
  const hasValidation = training.epochs.some((e) => e.validation?.score !== undefined && e.validation.score !== null);
  const metric = validationName(version);
  const data = useMemo<uPlot.AlignedData>(() => {
    const columns: (number | null)[][] = [training.epochs.map((e) => e.epoch), training.epochs.map((e) => e.loss)];
    if (hasValidation) columns.push(training.epochs.map((e) => e.validation?.score ?? null));
    return columns as uPlot.AlignedData;
  }, [training, hasValidation]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false }, loss: {}, validation: {} },
      series: [
        { label: 'epoch' },
        { label: 'training loss', scale: 'loss', stroke: '#2563eb', width: 2 },
        ...(hasValidation ? [{ label: metric, scale: 'validation', stroke: '#16a34a', width: 2 }] : []),
      ],
      axes: [
        { label: 'epoch' },
        { label: 'training loss', scale: 'loss', size: 70, stroke: '#2563eb' },
        ...(hasValidation ? [{ label: metric, scale: 'validation', side: 1, size: 70, stroke: '#16a34a', grid: { show: false } }] : []),
      ],
      plugins: [markerPlugin(training.bestEpoch, `best epoch ${training.bestEpoch}`)],
    }),
    [training, hasValidation, metric],
  );
  return (
    <div data-testid="training-curve">
      <Chart options={options} data={data} height={260} />
      <p class="muted" data-testid="training-summary">
        {training.epochs.length} epochs{training.stoppedEarly ? ' (stopped early)' : ''}; best epoch {training.bestEpoch}
        {training.bestScore !== null ? ` with ${metric} ${fixed(training.bestScore)}` : hasValidation ? '' : ' (trained without validation users: the last epoch is kept)'}
        {training.resumedFromEpoch ? `; resumed from epoch ${training.resumedFromEpoch}` : ''}.
      </p>
    </div>
  );
}

function KeyValues({ values }: { values: Record<string, unknown> }) {
  const entries = Object.entries(values);
  if (entries.length === 0) return <p class="muted">none</p>;
  return (
    <table class="kv">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}><th>{k}</th><td>{typeof v === 'number' ? fixed(v, Number.isInteger(v) ? 0 : 4) : shortJson(v)}</td></tr>
        ))}
      </tbody>
    </table>
  );
}

const HEADLINE_METRICS = ['ndcg@100', 'recall@20', 'recall@50', 'ndcg@10', 'recall_capped@20', 'rmse', 'mae'];

/** Saved evaluation runs of the same model with the same hyper-parameters (those the run names), best metrics first. */
function MatchingEvaluations({ version }: { version: VersionDetails }) {
  const list = useApi(api.evaluations, []);
  const matches = (list.data?.runs ?? []).filter(
    (run: EvaluationRun) =>
      run.model === version.model && Object.entries(run.hyperParameters ?? {}).every(([k, v]) => JSON.stringify(version.hyperParameters[k]) === JSON.stringify(v)),
  );
  if (list.data === undefined) return null;
  if (matches.length === 0) return <p class="muted">No saved evaluation of {version.model} with these hyper-parameters (see the Evaluations page).</p>;
  const metrics = HEADLINE_METRICS.filter((m) => matches.some((r) => r.metrics[m] !== undefined)).slice(0, 4);
  return (
    <table class="grid" data-testid="version-evaluations">
      <thead>
        <tr><th>run</th><th>dataset, protocol</th>{metrics.map((m) => <th key={m}>{m}</th>)}</tr>
      </thead>
      <tbody>
        {matches.map((run) => (
          <tr key={run.id}>
            <td><code>{run.file}</code></td>
            <td>{run.dataset ?? '—'}, {String(run.protocol?.['kind'] ?? '—')}</td>
            {metrics.map((m) => (
              <td key={m} class="number">{fixed(run.metrics[m])}<span class="muted"> ± {fixed(run.stderr[m])}</span></td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function VersionPanel({ version }: { version: VersionDetails }) {
  if (version.error !== undefined) return <p class="error">{version.version}: {version.error}</p>;
  return (
    <div class="panel" data-testid="version-details">
      <h3>
        {version.model} <span class="muted">{version.version}</span>
      </h3>
      <div class="columns">
        <div>
          <h4>Hyper-parameters</h4>
          <KeyValues values={version.hyperParameters} />
        </div>
        <div>
          <h4>Data</h4>
          {version.data && (
            <KeyValues
              values={{
                source: version.data.name,
                fingerprint: version.data.fingerprint,
                users: version.data.nUsers,
                items: version.data.nItems,
                interactions: version.data.nInteractions,
                ...(version.serving ? { 'events read': version.serving.eventsRead, 'min users per item': version.serving.minItemUsers, 'event filter': version.serving.rule } : {}),
              }}
            />
          )}
        </div>
        <div>
          <h4>Training</h4>
          <KeyValues
            values={{
              'saved at': when(version.createdAt),
              'fit time': duration(version.fitSeconds),
              ...(version.protocol ? { protocol: version.protocol } : {}),
              ...(version.libraryVersion ? { recoder: version.libraryVersion } : {}),
            }}
          />
          <h4>Test metrics</h4>
          {version.metrics && Object.keys(version.metrics).length > 0 ? (
            <KeyValues values={version.metrics} />
          ) : (
            <p class="muted">None recorded: this version was trained on all data, with nothing held out.</p>
          )}
        </div>
      </div>
      <h4>Saved evaluations of this model</h4>
      <MatchingEvaluations version={version} />
      <h4>Training curve</h4>
      {version.training && version.training.epochs.length > 0 ? (
        <TrainingCurve version={version} />
      ) : (
        <p class="muted" data-testid="no-training-curve">{version.model} is fitted in closed form or in one pass: it has no epochs.</p>
      )}
    </div>
  );
}

function AdminActions({ onDone, trainingConfigured, canRollBack }: { onDone: () => void; trainingConfigured: boolean; canRollBack: boolean }) {
  const [message, setMessage] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async (label: string, action: () => Promise<unknown>, describe: (result: never) => string) => {
    if (!window.confirm(`${label}?`)) return;
    setBusy(true);
    try {
      setMessage(describe((await action()) as never));
      onDone();
    } catch (e) {
      setMessage(`${label} failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="admin" data-testid="admin-actions">
      <button disabled={busy || !canRollBack} title={canRollBack ? 'serve the previous version again' : 'no older version to roll back to'} onClick={() => run('Roll back to the previous version', api.rollback, (r: { version: string | null }) => `Rolled back: now serving ${r.version}.`)}>
        Roll back
      </button>
      <button disabled={busy || !trainingConfigured} title={trainingConfigured ? 'train a new version on the stored events' : 'the server was started without training'} onClick={() => run('Train a new version now', api.trainNow, (r: { startedAt: string }) => `Training started at ${when(r.startedAt)}; the new version appears here when it is published.`)}>
        Train now
      </button>
      {message && <span class="muted">{message}</span>}
    </div>
  );
}

export function ModelsPage({ access }: { access: Access }) {
  const list = useApi(api.versions, [], 10_000);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const versions = list.data?.versions ?? [];
  useEffect(() => {
    if (selected === undefined && versions.length > 0) setSelected((versions.find((v) => v.served) ?? versions[0]!).version);
  }, [versions, selected]);
  const chosen = versions.find((v) => v.version === selected);
  return (
    <section data-testid="page-models">
      <h2>Models</h2>
      {list.error && <p class="error">{list.error}</p>}
      {access === 'admin' && list.data && (
        <AdminActions
          onDone={list.reload}
          trainingConfigured={list.data.training.configured}
          // The slot rolls back to the version it served before, else to the newest one on disk older than the served one.
          canRollBack={list.data.previousVersion !== null || (versions.findIndex((v) => v.served) >= 0 && versions.findIndex((v) => v.served) < versions.length - 1)}
        />
      )}
      {list.data?.training.running && <p class="muted">Training is running…</p>}
      {list.data && versions.length === 0 && <p class="muted">No model version in the model directory yet: train one with recoder train-store.</p>}
      {versions.length > 0 && (
        <table class="grid selectable" data-testid="versions">
          <thead>
            <tr><th>version</th><th>model</th><th>saved</th><th>users × items</th><th>interactions</th><th>fit</th><th>epochs</th><th /></tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} class={v.version === selected ? 'selected' : ''} onClick={() => setSelected(v.version)}>
                <td><code>{v.version}</code></td>
                <td>{v.model ?? '?'}</td>
                <td>{when(v.createdAt)}</td>
                <td>{v.data ? `${count(v.data.nUsers)} × ${count(v.data.nItems)}` : '—'}</td>
                <td>{v.data ? count(v.data.nInteractions) : '—'}</td>
                <td>{duration(v.fitSeconds)}</td>
                <td>{v.training ? v.training.epochs.length : '—'}</td>
                <td>
                  {v.served && <span class="badge served">served</span>}
                  {v.current && !v.served && <span class="badge">CURRENT</span>}
                  {v.previous && <span class="badge">previous</span>}
                  {v.error && <span class="badge bad">unreadable</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen && <VersionPanel version={chosen} />}
    </section>
  );
}
