// The job page's memory and CPU plots on the real app: heartbeats with metrics become samples
// (at most one per 5 s), the job's JSON detail carries them, and the page draws them as SVG lines
// with a title, a description and axis labels; a job without samples says so.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDuration } from '../../src/web/format.ts';
import { cpuSeries, memorySeries, plotGeometry } from '../../src/web/usage-plot-geometry.ts';
import { call, makeTestApp, type TestApp } from '../helpers/app.ts';
import { page, start, submit } from '../helpers/monitor-data.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

async function beat(id: number, uuid: string, rssMib: number, cpuSeconds: number) {
  const res = await call(t.app, 'POST', `/api/v1/jobs/${id}/heartbeat`, {
    pilot: uuid,
    attempt: 1,
    metrics: { cpuSeconds, rssKb: rssMib * 1024, maxRssKb: rssMib * 1024 },
  });
  expect(res.status).toBe(200);
}

describe('the job page plots memory and CPU', () => {
  it('draws the samples of the running attempt', async () => {
    const [job] = await submit(t.app, [{ payload: '/bin/x' }]);
    const uuid = await start(t.app, job.id);
    await beat(job.id, uuid, 100, 0);
    t.advance(1000);
    await beat(job.id, uuid, 150, 1); // too soon: no sample
    t.advance(5000);
    await beat(job.id, uuid, 200, 12);
    t.advance(6000);
    await beat(job.id, uuid, 300, 18);

    const detail = await call(t.app, 'GET', `/api/v1/jobs/${job.id}`);
    const samples = detail.json.samples;
    expect(samples.map((s: { rssKb: number }) => s.rssKb / 1024)).toEqual([100, 200, 300]);
    expect(samples[0]).toMatchObject({ pssKb: null, cpuSeconds: 0 });

    const { html } = await page(t.app, `/jobs/${job.id}`);
    const memory = plotGeometry(memorySeries(samples)).series[0];
    const cpu = plotGeometry(cpuSeries(samples)).series[0];
    expect(memory?.points).toHaveLength(3);
    expect(cpu?.points).toHaveLength(2);
    expect(html).toContain('<title id="plot-memory-title">Memory of attempt 1 (MiB)</title>');
    expect(html).toContain('<title id="plot-cpu-title">CPU of attempt 1 (cores)</title>');
    expect(html).toContain(`<path d="${memory?.d}"`);
    expect(html).toContain(`<path d="${cpu?.d}"`);
    // Axis labels: the rounded top (300 MiB → 500; 2 cores → 2) and the time span.
    // Axis labels: the rounded top (300 MiB → 500) and the time span (the clock is real, plus the advances).
    const span = formatDuration(samples[2].at - samples[0].at);
    expect(html).toMatch(
      new RegExp(`id="plot-memory"[\\s\\S]*>500</text>[\\s\\S]*>0 s</text>[\\s\\S]*>${span}</text>`),
    );
    expect(html).toContain(`3 samples over ${span}: RSS 300 MiB now, at most 300 MiB.`);
    expect(html).toMatch(/2 samples over \d+ s: CPU [\d.]+ cores now, at most [\d.]+ cores\./);
  });

  it('says there are no samples yet before the first heartbeat', async () => {
    const [job] = await submit(t.app, [{ payload: '/bin/x' }]);
    await start(t.app, job.id);
    const { html } = await page(t.app, `/jobs/${job.id}`);
    expect(html).toContain('Memory and CPU');
    expect(html.match(/no samples yet/g)).toHaveLength(2);
    expect(html).not.toContain('<svg class="plot"');
  });
});
