// Gauges read from the database when Prometheus scrapes: jobs by state, site and job type, the
// queue and the age of its oldest job, pilots by state and site. One aggregate read
// (store.stats.metricsSnapshot) serves every gauge of a scrape and is kept SNAPSHOT_TTL_MS, so
// scrapes, however many and however often, cost the database at most one read per TTL.
//
// Each gauge is one entry of STORE_GAUGES: a gauge over something else the store counts (workers
// by state, once the pilot factory keeps them) is one more entry, its rows from the snapshot.

import { Gauge, type Registry } from 'prom-client';
import { foldLabels, keptLabelValues, type MetricsSnapshot } from '../../core/index.ts';
import type { StatsStore } from '../../store/stats-store.ts';

/** How long one snapshot of the database serves scrapes. */
export const SNAPSHOT_TTL_MS = 5000;

/** A snapshot with its user-named labels bounded (core/metrics.ts): what the gauges read. */
interface Bounded {
  now: number;
  jobs: { labels: Record<string, string>; row: MetricsSnapshot['jobs'][number] }[];
  pilots: { labels: Record<string, string>; row: MetricsSnapshot['pilots'][number] }[];
}

type Sample = { labels: Record<string, string>; value: number };

interface StoreGauge {
  name: string;
  help: string;
  labelNames: string[];
  samples(snapshot: Bounded): Sample[];
}

const waiting = (s: Bounded) => s.jobs.filter(({ row }) => row.state === 'defined');
const siteAndType = ({ site, jobtype }: Record<string, string>) => ({
  site: site ?? '',
  jobtype: jobtype ?? '',
});

export const STORE_GAUGES: StoreGauge[] = [
  {
    name: 'p3s_jobs',
    help: 'Jobs in the database by state, requested site ("" for any) and job type',
    labelNames: ['state', 'site', 'jobtype'],
    samples: (s) => s.jobs.map(({ labels, row }) => ({ labels, value: row.count })),
  },
  {
    name: 'p3s_queue_depth',
    help: 'Jobs waiting for a pilot (state defined), by requested site and job type',
    labelNames: ['site', 'jobtype'],
    samples: (s) => waiting(s).map(({ labels, row }) => ({ labels: siteAndType(labels), value: row.count })),
  },
  {
    name: 'p3s_queue_oldest_age_seconds',
    help: 'Age of the job that has waited longest for a pilot, since it became defined, by site and job type',
    labelNames: ['site', 'jobtype'],
    samples: (s) =>
      waiting(s).map(({ labels, row }) => ({
        labels: siteAndType(labels),
        value: row.oldestDefinedAt === null ? 0 : Math.max(0, s.now - row.oldestDefinedAt) / 1000,
      })),
  },
  {
    name: 'p3s_pilots',
    help: 'Pilots in the database by state and site ("" for none)',
    labelNames: ['state', 'site'],
    samples: (s) => s.pilots.map(({ labels, row }) => ({ labels, value: row.count })),
  },
];

/** Labels of user-named values (sites, job types) kept as they are; the rest fold into `_other`. */
function bound(snapshot: MetricsSnapshot, now: number): Bounded {
  const kept = {
    site: keptLabelValues([...snapshot.jobs, ...snapshot.pilots], (r) => r.site ?? ''),
    jobtype: keptLabelValues(snapshot.jobs, (r) => r.jobtype),
  };
  const jobs = foldLabels(
    snapshot.jobs,
    (r) => ({ state: r.state, site: r.site ?? '', jobtype: r.jobtype }),
    kept,
    (a, b) => ({
      ...a,
      count: a.count + b.count,
      oldestDefinedAt:
        a.oldestDefinedAt === null || b.oldestDefinedAt === null
          ? (a.oldestDefinedAt ?? b.oldestDefinedAt)
          : Math.min(a.oldestDefinedAt, b.oldestDefinedAt),
    }),
  );
  const pilots = foldLabels(
    snapshot.pilots,
    (r) => ({ state: r.state, site: r.site ?? '' }),
    { site: kept.site },
    (a, b) => ({ ...a, count: a.count + b.count }),
  );
  return { now, jobs, pilots };
}

/**
 * Registers STORE_GAUGES on `registry`, each filled at scrape time from the shared snapshot, and
 * `p3s_store_snapshot_ok` (1 when the last read succeeded). A failed read leaves the gauges
 * empty for that scrape, and the other metrics are still served.
 */
export function registerStoreGauges(
  registry: Registry,
  stats: Pick<StatsStore, 'metricsSnapshot'>,
  now: () => number,
  onError: (error: unknown) => void,
): void {
  let cached: { at: number; value: Promise<Bounded | null> } | undefined;
  const snapshot = (): Promise<Bounded | null> => {
    const at = now();
    if (cached && at - cached.at < SNAPSHOT_TTL_MS) return cached.value;
    const value = stats.metricsSnapshot().then(
      (read) => bound(read, at),
      (error: unknown) => {
        onError(error);
        cached = undefined;
        return null;
      },
    );
    cached = { at, value };
    return value;
  };
  new Gauge({
    name: 'p3s_store_snapshot_ok',
    help: 'Whether the read of job and pilot counts behind this scrape succeeded (1) or failed (0)',
    registers: [registry],
    async collect() {
      this.set((await snapshot()) ? 1 : 0);
    },
  });
  for (const spec of STORE_GAUGES) {
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [registry],
      async collect() {
        const read = await snapshot();
        this.reset();
        if (read) for (const { labels, value } of spec.samples(read)) this.set(labels, value);
      },
    });
  }
}
