// Scenario 7: the web monitor at 10^6 jobs. A month of history is bulk-loaded, the real server
// starts on it, and the overview and the jobs page (default view, filters, sorts, a deep page)
// are fetched over HTTP repeatedly; medians and p90 of the response time are reported.

import { makeInstallation, rssKb, type StoreKind } from '../lib/installation.ts';
import { bulkLoadMonitorJobs } from '../lib/monitor-load.ts';
import { median, percentile, preciseNow } from '../lib/stats.ts';

/** What an operator opens: the overview and the jobs page in the views people share. */
export const MONITOR_VIEWS: [name: string, path: string][] = [
  ['overview', '/'],
  ['overview-week', '/?window=week&failures=week'],
  ['jobs', '/jobs'],
  ['jobs-failed', '/jobs?state=failed'],
  ['jobs-error-1h', '/jobs?error=exit_code&window=1h&time=ended'],
  ['jobs-user-type', '/jobs?user=carol&jobtype=calib'],
  ['jobs-site', '/jobs?site=fnal&state=running'],
  ['jobs-name', '/jobs?name=reco-99999*'],
  ['jobs-sort-ended', '/jobs?sort=ended'],
  ['jobs-page-1000', '/jobs?offset=50000'],
  ['job', '/jobs/500000'],
];

export async function monitorPages(kind: StoreKind, jobs: number, reps: number) {
  const inst = await makeInstallation(kind);
  try {
    const loadStart = preciseNow();
    await bulkLoadMonitorJobs(inst, jobs);
    const loadSeconds = (preciseNow() - loadStart) / 1000;
    const server = await inst.start();
    const row: Record<string, number | string> = { store: kind, jobs, reps, loadSeconds };
    for (const [name, path] of MONITOR_VIEWS) {
      const url = server.url + path.replace('500000', String(Math.ceil(jobs / 2)));
      const samples: number[] = [];
      // One request first: the first query of a kind pays for planning and a cold page cache.
      for (let i = 0; i <= reps; i++) {
        const t0 = preciseNow();
        const res = await fetch(url);
        const body = await res.text();
        if (!res.ok || !body.includes('</html>')) throw new Error(`${path}: HTTP ${res.status}`);
        if (i > 0) samples.push(preciseNow() - t0);
      }
      row[`${name}MedianMs`] = median(samples);
      row[`${name}P90Ms`] = percentile(samples, 90);
    }
    row.serverRssMb = (await rssKb(server.child.pid as number)) / 1024;
    return row;
  } finally {
    await inst.close();
  }
}
