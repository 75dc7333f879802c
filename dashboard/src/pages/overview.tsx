/** Overview: what the store holds, events per day, the served model, and the service's own request rates and latencies (refreshing). */
import { useMemo } from 'preact/hooks';
import uPlot from 'uplot';
import { api, type EventsPerDay, type WindowStats } from '../api';
import { Chart } from '../chart';
import { count, duration, fixed, ms, when } from '../format';
import { useApi } from '../use-api';

const REFRESH_MS = 5000;

const DAY_S = 86400;

/**
 * Events per day, with the days without events as zeros, summed into weeks or
 * months when the span is long (a line over thousands of days is unreadable).
 */
function bucketed(perDay: EventsPerDay): { unit: 'day' | 'week' | 'month'; x: number[]; y: number[] } {
  if (perDay.days.length === 0) return { unit: 'day', x: [], y: [] };
  const days = perDay.days.map((d) => ({ t: Date.parse(`${d.day}T00:00:00Z`) / 1000, events: d.events }));
  const spanDays = (days[days.length - 1]!.t - days[0]!.t) / DAY_S + 1;
  const unit = spanDays <= 120 ? 'day' : spanDays <= 3 * 365 ? 'week' : 'month';
  const bucketOf = (t: number): number => {
    if (unit === 'day') return t;
    if (unit === 'week') return t - (((Math.floor(t / DAY_S) + 3) % 7) * DAY_S); // weeks start on Monday (1970-01-01 was a Thursday)
    const d = new Date(t * 1000);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  };
  const next = (t: number): number => {
    if (unit === 'day') return t + DAY_S;
    if (unit === 'week') return t + 7 * DAY_S;
    const d = new Date(t * 1000);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  };
  const sums = new Map<number, number>();
  for (const d of days) sums.set(bucketOf(d.t), (sums.get(bucketOf(d.t)) ?? 0) + d.events);
  const x: number[] = [];
  const y: number[] = [];
  for (let t = bucketOf(days[0]!.t); t <= days[days.length - 1]!.t; t = next(t)) {
    x.push(t);
    y.push(sums.get(t) ?? 0);
  }
  return { unit, x, y };
}

function EventsChart({ perDay }: { perDay: EventsPerDay }) {
  const series = useMemo(() => bucketed(perDay), [perDay]);
  const data = useMemo<uPlot.AlignedData>(() => [series.x, series.y], [series]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      // Days are UTC days: show them so whatever the browser's time zone.
      tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      // Room on the right for the last day's label.
      padding: [12, 48, 0, 0],
      scales: { x: { time: true }, y: { range: (_u: uPlot, _min: number, max: number) => [0, Math.max(1, max * 1.1)] } },
      series: [
        { label: series.unit, value: (_u: uPlot, ts: number | null) => (ts === null ? '--' : new Date(ts * 1000).toISOString().slice(0, series.unit === 'month' ? 7 : 10)) },
        { label: 'events', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.15)', points: { show: series.x.length < 60 }, paths: series.unit === 'day' ? undefined : uPlot.paths.stepped!({ align: 1 }) },
      ],
      axes: [
        { incrs: [1, 2, 7, 14, 30.4375, 91.3125, 182.625, 365.25, 730.5, 1826.25].map((days) => days * DAY_S), values: (_u: uPlot, splits: number[]) => splits.map((ts) => new Date(ts * 1000).toISOString().slice(0, 10)), space: 80 },
        { label: `events per ${series.unit}`, size: 60 },
      ],
      legend: { live: true },
    }),
    [series],
  );
  if (perDay.days.length === 0) return <p class="muted">No events stored yet.</p>;
  return <Chart options={options} data={data} height={220} testId="events-per-day" />;
}

function LatencyRow({ label, w }: { label: string; w: WindowStats }) {
  return (
    <tr>
      <th>{label}</th>
      <td>{count(w.requests)}</td>
      <td>{fixed(w.requestsPerSecond, 2)}</td>
      <td>{ms(w.latencyMs.p50)}</td>
      <td>{ms(w.latencyMs.p95)}</td>
      <td>{ms(w.latencyMs.p99)}</td>
      <td>{ms(w.latencyMs.mean)}</td>
      <td class={w.serverErrors > 0 ? 'bad' : ''}>{count(w.serverErrors)}</td>
    </tr>
  );
}

export function OverviewPage() {
  const stats = useApi(api.stats, [], REFRESH_MS);
  const perDay = useApi(api.eventsPerDay, [], 60_000);
  const service = useApi(api.serviceStats, [], REFRESH_MS);
  const s = stats.data;
  return (
    <section data-testid="page-overview">
      <h2>Overview</h2>
      {stats.error && <p class="error">{stats.error}</p>}
      <div class="cards">
        <div class="card"><span class="label">users</span><span class="value" data-testid="count-users">{s ? count(s.users) : '…'}</span></div>
        <div class="card"><span class="label">items</span><span class="value" data-testid="count-items">{s ? count(s.items) : '…'}</span></div>
        <div class="card"><span class="label">events</span><span class="value" data-testid="count-events">{s ? count(s.events) : '…'}</span></div>
        <div class="card wide">
          <span class="label">served model</span>
          <span class="value" data-testid="served-model">{s ? (s.servedModel ?? 'none (popular fallback)') : '…'}</span>
          <span class="muted">{s?.servedVersion ? `version ${s.servedVersion}, loaded ${when(s.loadedAt)}` : ''}</span>
        </div>
        <div class="card"><span class="label">store</span><span class="value">{s?.store ?? '…'}</span></div>
      </div>

      <h3>Events over time</h3>
      {perDay.error && <p class="error">{perDay.error}</p>}
      {perDay.data && (
        <>
          <EventsChart perDay={perDay.data} />
          <p class="muted">
            {count(perDay.data.events)} events on {count(perDay.data.days.length)} days
            {perDay.data.days.length > 0 ? ` (${perDay.data.days[0]!.day} to ${perDay.data.days[perDay.data.days.length - 1]!.day})` : ''}; by type:{' '}
            {Object.entries(perDay.data.types).map(([type, n]) => `${type} ${count(n)}`).join(', ')}. Counted {when(perDay.data.computedAt)}.
          </p>
        </>
      )}

      <h3>Service</h3>
      {service.error && <p class="error">{service.error}</p>}
      {service.data && (
        <>
          <p class="muted">Up {duration(service.data.uptimeSeconds)}; refreshes every {REFRESH_MS / 1000} s. Latency percentiles are interpolated within the /metrics histogram buckets.</p>
          <table class="grid" data-testid="service-stats">
            <thead>
              <tr><th /><th>requests</th><th>per second</th><th>p50</th><th>p95</th><th>p99</th><th>mean</th><th>5xx</th></tr>
            </thead>
            <tbody>
              <LatencyRow label="last minute" w={service.data.lastMinute} />
              <LatencyRow label="since start" w={service.data.sinceStart} />
            </tbody>
          </table>
          <div class="columns">
            <div>
              <h4>Busiest routes, last minute</h4>
              <table class="grid">
                <tbody>
                  {service.data.lastMinute.topRoutes.map((r) => (
                    <tr key={r.route}><td><code>{r.route}</code></td><td>{count(r.requests)}</td></tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h4>Recommendations served, since start</h4>
              {service.data.recommendations.length === 0 ? (
                <p class="muted">None yet.</p>
              ) : (
                <table class="grid">
                  <thead><tr><th>endpoint</th><th>source</th><th>responses</th></tr></thead>
                  <tbody>
                    {service.data.recommendations.map((r) => (
                      <tr key={`${r.endpoint}/${r.source}`}><td>{r.endpoint}</td><td>{r.source}</td><td>{count(r.served)}</td></tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
