// `node --import tsx scripts/monitor-screenshots.ts`: runs a small live p3s (real server, real
// pilots, jobs that finish, fail, wait and run, a workflow mid-way) and saves the monitor's main
// pages as PNG files under docs/images/ for the README and docs/guides/monitor.md.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../test/helpers/browser.ts';
import { slowJob, startScene } from '../test/helpers/monitor-scene.ts';
import { waitFor } from '../test/helpers/processes.ts';

const out = join(import.meta.dirname, '..', 'docs', 'images');
mkdirSync(out, { recursive: true });

const scene = await startScene({ pilots: 3 });
const browser = await launchBrowser({ timezoneId: 'Europe/Zurich' });
try {
  const client = scene.server.client;
  await client.defineSite({
    name: 'cern',
    pilots: 4,
    pilotcycles: 0,
    pilotbeat: 5,
    env: { SITE_ROOT: '/eos/p3s' },
  });
  await client.defineSite({ name: 'fnal', pilots: 2, pilotperiod: 10 });
  scene.startPilot(['-s', 'cern', '-e', 'condor.4711.0']);

  const quick = await scene.submit(
    Array.from({ length: 14 }, (_, i) => ({
      name: `reco-run-${String(1000 + i)}`,
      jobtype: 'reco',
      payload: `/bin/echo reconstructed run ${1000 + i}`,
      priority: String(i % 3),
    })),
  );
  const failing = await scene.submit([
    { name: 'calib-adc-7', jobtype: 'calib', payload: '/bin/sh -c "echo bad pedestal >&2; exit 3"' },
    { name: 'calib-adc-8', jobtype: 'calib', payload: '/bin/sh -c "echo bad pedestal >&2; exit 3"' },
    { name: 'evdisp-12', jobtype: 'evdisp', payload: '/opt/larsoft/bin/evd --run 12' },
  ]);
  for (const job of [...quick, ...failing]) await scene.waitForState(job.id, ['finished', 'failed']);

  const [running] = await scene.submit([slowJob('purity-monitor', 600, { jobtype: 'purity' })]);
  await scene.submit([slowJob('long-reco-2011', 600, { jobtype: 'reco', site: 'cern' })]);
  await scene.submit([
    ...Array.from({ length: 6 }, (_, i) => ({
      name: `calib-fnal-${i}`,
      jobtype: 'calib',
      site: 'fnal',
      payload: '/bin/true',
    })),
    { name: 'tpc-template', jobtype: 'reco', payload: '/bin/true', state: 'template' },
  ]);

  const step = (seconds: number) => ({
    payload: join(scene.dir, 'step.sh'),
    env: { SLOW_SECONDS: String(seconds) },
  });
  const { writeFileSync, chmodSync } = await import('node:fs');
  writeFileSync(
    join(scene.dir, 'step.sh'),
    '#!/bin/sh\ni=0\nwhile [ "$i" -lt "$SLOW_SECONDS" ]; do echo "step $i"; i=$((i+1)); sleep 1; done\n',
  );
  chmodSync(join(scene.dir, 'step.sh'), 0o755);
  const wf = await scene.runWorkflow(
    'filters',
    [
      { id: 'ingest', ...step(1) },
      { id: 'filter-a', ...step(2) },
      { id: 'filter-b', ...step(2) },
      { id: 'filter-c', ...step(600) },
      { id: 'merge', ...step(1) },
      { id: 'publish', jobtype: 'noop' },
    ],
    [
      { source: 'ingest', target: 'filter-a', name: 'raw-a.txt' },
      { source: 'ingest', target: 'filter-b', name: 'raw-b.txt' },
      { source: 'ingest', target: 'filter-c', name: 'raw-c.txt' },
      { source: 'filter-a', target: 'merge', name: 'a.txt' },
      { source: 'filter-b', target: 'merge', name: 'b.txt' },
      { source: 'filter-c', target: 'merge', name: 'c.txt' },
      { source: 'merge', target: 'publish', name: 'merged.txt' },
    ],
  );
  await scene.waitForState(wf.jobs.get('filter-a')!, ['finished']);
  await scene.waitForState(wf.jobs.get('filter-c')!, ['running']);
  await scene.waitForState(running!.id, ['running']);
  await waitFor('some log', async () => (await client.jobLogs(running!.id)).totalBytes > 40, 30_000);

  const page = await browser.context.newPage();
  // Logged in as the jobs' owner, so the job page shows its Kill button.
  await page.goto(`${scene.server.url}/login`);
  await page.locator('input[name="token"]').fill(scene.userToken);
  await page.locator('.login-form button[type="submit"]').click();
  await page.waitForURL(`${scene.server.url}/`);
  const shots: [string, string][] = [
    ['overview', '/'],
    ['jobs', '/jobs'],
    ['job', `/jobs/${running!.id}`],
    ['workflow', `/workflows/${wf.id}`],
    ['pilots', '/pilots'],
    ['dag', '/dags/filters'],
    ['sites', '/sites'],
  ];
  for (const [name, path] of shots) {
    await page.goto(scene.server.url + path);
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(out, `monitor-${name}.png`) });
    console.log(`docs/images/monitor-${name}.png`);
  }
  if (browser.errors.length > 0) console.error('page errors:', browser.errors);
} finally {
  await browser.close();
  await scene.close();
}
