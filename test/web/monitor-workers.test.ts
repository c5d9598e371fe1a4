// The monitor's workers pages rendered through inject() on the real app: empty, with workers in
// each state and each site's feeding decision (why it is, or is not, fed), one worker with the pilot
// it became and the jobs that pilot ran, the batch system's words escaped, and 404s.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, createToken, makeTestApp, registration, type TestApp } from '../helpers/app.ts';
import { page, submit } from '../helpers/monitor-data.ts';
import { newWorker } from '../helpers/workers.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const worker = (n: number, over: Record<string, unknown> = {}) => newWorker(n, over);

describe('the workers pages', () => {
  it('explain how workers come about when there are none', async () => {
    const { status, html } = await page(t.app, '/workers');
    expect(status).toBe(200);
    expect(html).toContain('No workers yet');
    expect(html).toContain('<a class="json" href="/api/v1/workers');
    expect(html).toMatch(/<a href="\/workers" class="active">Workers<\/a>/);
  });

  it("list workers with their pilot and why they ended, under each site's feeding decision", async () => {
    const site = {
      name: 'hpc',
      provisioning: { batch: 'slurm', maxWorkers: 4, failureLimit: 2, failureCooldown: 0 },
    };
    await call(t.app, 'POST', '/api/v1/sites', { site });
    await submit(t.app, [{ name: 'waits', site: 'hpc', payload: '/bin/x' }]);
    const { json } = await call(t.app, 'POST', '/api/v1/workers', {
      workers: [worker(1), worker(2), worker(3, { state: 'submitted' })],
    });
    const [a, b] = json.workers as { id: number }[];
    await call(t.app, 'POST', '/api/v1/workers/changes', {
      changes: [a, b].map((w) => ({
        id: w?.id,
        from: 'submitted',
        to: 'failed',
        at: 1000,
        failure: 'never_registered',
        exitCode: 127,
        reason: '<b>exec: p3s: not found</b>',
      })),
    });
    const { html } = await page(t.app, '/workers');
    expect(html).toMatch(/<tr data-site="hpc" data-limit="start_failures">/);
    expect(html).toContain(
      'not fed: 2 pilots in a row never registered (last: exit 127: &lt;b>exec: p3s: not found&lt;/b>)',
    );
    expect(html).not.toContain('<b>exec');
    expect(html).toMatch(new RegExp(`<tr data-worker="${a?.id}" data-state="failed">`));
    expect(html).toContain('never_registered: exit 127: &lt;b>exec');
    const filtered = await page(t.app, '/workers?state=submitted');
    expect(filtered.html).toContain('data-worker="3"');
    expect(filtered.html).not.toContain(`data-worker="${a?.id}"`);
  });

  it('show one worker with the pilot it became and the jobs that pilot ran', async () => {
    await call(t.app, 'POST', '/api/v1/sites', {
      site: { name: 'hpc', provisioning: { batch: 'slurm', maxWorkers: 2 } },
    });
    const { json } = await call(t.app, 'POST', '/api/v1/workers', { workers: [worker(9)] });
    const id = json.workers[0].id;
    const token = await createToken(t.store, 'pilot', 'hpc-pilots', { site: 'hpc' });
    await call(
      t.app,
      'POST',
      '/api/v1/pilots',
      registration('pilot-9', { site: 'hpc', batchId: 'slurm:9' }),
      token,
    );
    const [job] = await submit(t.app, [{ name: 'ran-here', site: 'hpc', payload: '/bin/x' }]);
    await call(t.app, 'POST', '/api/v1/pilots/pilot-9/claim', { wait: 0, beat: 1 }, token);
    const { status, html } = await page(t.app, `/workers/${id}`);
    expect(status).toBe(200);
    expect(html).toContain('Worker 1 <span class="subtitle">slurm:9</span>');
    expect(html).toMatch(/<a href="\/pilots\/1">pilot 1 \(running\)<\/a>/);
    expect(html).toContain('<code>/f/logs/hpc/slurm-9.out</code>');
    expect(html).toContain(`href="/jobs/${job.id}"`);
    expect(html).toContain('ran-here');
  });

  it('answer 404 for a worker that does not exist', async () => {
    for (const url of ['/workers/99', '/workers/abc']) {
      const { status, html } = await page(t.app, url);
      expect(status, url).toBe(404);
      expect(html).toContain('There is no worker');
    }
  });
});
