// The monitor's pages rendered through inject() on the real app: every page, the empty system,
// filters and paging in the URL, the JSON twins, escaping of user text, and htmx partial answers.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { call, makeTestApp, registration, type TestApp } from '../helpers/app.ts';
import { graphml } from '../helpers/graphml.ts';
import { jobRows, log, page, runToEnd, start, submit } from '../helpers/monitor-data.ts';
import { withoutRetryRules } from '../helpers/retry-rules.ts';

let t: TestApp;
beforeEach(async () => {
  t = await makeTestApp();
});
afterEach(async () => {
  await t.close();
});

const PAGES = ['/', '/jobs', '/pilots', '/workflows', '/dags', '/datasets', '/sites', '/retry-rules'];

describe('monitor pages on an empty system', () => {
  it.each(PAGES)(
    '%s renders a full page with a live region, its update time and a JSON twin',
    async (url) => {
      const { status, html, headers } = await page(t.app, url);
      expect(status).toBe(200);
      expect(headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      // A long-poll: it asks to be held until it differs from the version it shows (live.tsx).
      expect(html).toMatch(
        /<section id="live" class="live" hx-get="[^"]+[?;]wait=25&amp;seen=[\w-]{16}" hx-trigger="load delay:\d+s, retry"/,
      );
      expect(html).toMatch(/Updated <time datetime="[^"]+Z" data-fmt="time">/);
      expect(html).toMatch(/<a class="json" href="\/api\/v1\/[^"]*"/);
      expect(html).toContain('<script src="/assets/htmx.min.js');
    },
  );

  it('explains how to submit a first job', async () => {
    for (const url of ['/', '/jobs']) {
      const { html } = await page(t.app, url);
      expect(html).toContain('No jobs yet');
      expect(html).toContain('p3s job submit hello.json --wait');
    }
    expect((await page(t.app, '/pilots')).html).toContain('p3s pilots start -n 4');
    expect((await page(t.app, '/workflows')).html).toContain('p3s workflow create NAME -s defined');
    expect((await page(t.app, '/dags')).html).toContain('p3s dag add file.graphml');
    expect((await page(t.app, '/sites')).html).toContain('No sites defined');
  });

  it('serves its assets from node_modules and src/web/assets, and nothing else there', async () => {
    for (const [file, type] of [
      ['htmx.min.js', 'javascript'],
      ['uPlot.iife.min.js', 'javascript'],
      ['uPlot.min.css', 'css'],
      ['monitor.js', 'javascript'],
      ['monitor.css', 'css'],
    ]) {
      const res = await t.app.inject({ method: 'GET', url: `/assets/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type']).toContain(type);
    }
    expect((await t.app.inject({ method: 'GET', url: '/assets/htmx.js' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/assets/../package.json' })).statusCode).toBe(404);
  });

  it('answers 404 pages for jobs, pilots, workflows and DAGs that do not exist', async () => {
    for (const url of ['/jobs/99', '/jobs/abc', '/pilots/99', '/workflows/99', '/dags/nothing']) {
      const { status, html } = await page(t.app, url);
      expect(status, url).toBe(404);
      expect(html).toContain('<!DOCTYPE html>');
    }
  });
});

describe('the jobs page', () => {
  it('keeps user text as text: a job name with <script> is escaped everywhere', async () => {
    const evil = '<script>alert("p3s")</script>';
    const [job] = await submit(t.app, [
      {
        name: evil,
        jobtype: 'x<b>y',
        payload: '/bin/echo <img src=x onerror=alert(1)>',
        env: { K: '<i>v</i>' },
      },
    ]);
    const uuid = await start(t.app, job.id);
    await log(t.app, job.id, uuid, 0, '<script>alert("log")</script>\n');
    for (const url of [
      '/jobs',
      `/jobs/${job.id}`,
      '/',
      `/pilots/${encodeURIComponent(uuid)}`,
      `/jobs/${job.id}/log?stream=out`,
    ]) {
      const { html } = await page(t.app, url);
      expect(html, url).not.toContain('<script>alert');
      expect(html, url).not.toContain('<img src=x');
      expect(html, url).not.toContain('<i>v</i>');
    }
    const detail = (await page(t.app, `/jobs/${job.id}`)).html;
    expect(detail).toContain('&lt;script>alert(&quot;p3s&quot;)&lt;/script>');
    expect(detail).toContain('&lt;script>alert(&quot;log&quot;)&lt;/script>');
  });

  it('says on the job page why a job waits, who holds it, and that a finished one waits on nothing', async () => {
    const [queued] = await submit(t.app, [{ name: 'queued', site: 'nowhere', payload: '/bin/x' }]);
    const waiting = (await page(t.app, `/jobs/${queued.id}`)).html;
    expect(waiting).toContain('<h2>Why is it waiting?</h2>');
    expect(waiting).toContain(
      '<li data-code="no_live_pilot">no live pilot serves site nowhere and job type default</li>',
    );
    const [held] = await submit(t.app, [{ name: 'held', payload: '/bin/x' }]);
    await start(t.app, held.id, { host: 'wn7' });
    expect((await page(t.app, `/jobs/${held.id}`)).html).toMatch(
      /<h2>Who holds it<\/h2><ul class="why"><li data-code="held_by_pilot">it is (running on|dispatched to) pilot \d+ on wn7/,
    );
    const done = await runToEnd(t.app, { name: 'done', payload: '/bin/x' }, 0);
    expect((await page(t.app, `/jobs/${done}`)).html).not.toContain('id="why"');
  });

  it('filters by name, state, user, type, error and time window, and says when nothing matches', async () => {
    const a1 = await runToEnd(t.app, { name: 'alpha-1', jobtype: 'reco' }, 0);
    const a2 = await runToEnd(t.app, { name: 'alpha-2', jobtype: 'calib' }, 3);
    const [b1] = await submit(t.app, [{ name: 'beta-1', payload: '/bin/x' }], 'bob');
    const rows = async (query: string) => jobRows((await page(t.app, `/jobs?${query}`)).html);
    expect(await rows('')).toEqual([b1.id, a2, a1]);
    expect(await rows('name=alpha*')).toEqual([a2, a1]);
    expect(await rows('state=finished&state=failed')).toEqual([a2, a1]);
    expect(await rows('state=failed,defined')).toEqual([b1.id, a2]);
    expect(await rows('user=bob')).toEqual([b1.id]);
    expect(await rows('jobtype=calib')).toEqual([a2]);
    expect(await rows('error=exit_code')).toEqual([a2]);
    expect(await rows('window=1h&time=ended')).toEqual([a2, a1]);
    expect(await rows('name=gamma*')).toEqual([]);
    expect((await page(t.app, '/jobs?name=gamma*')).html).toContain('No job matches these filters');
  });

  it('sorts and pages in the URL, with the JSON twin carrying the same query', async () => {
    const jobs = await submit(
      t.app,
      ['c', 'a', 'b'].map((name) => ({ name, payload: '/bin/x' })),
    );
    const [c, a, b] = jobs.map((j) => j.id);
    const sorted = await page(t.app, '/jobs?sort=name&order=asc');
    expect(jobRows(sorted.html)).toEqual([a, b, c]);
    expect(sorted.html).toContain(
      'href="/api/v1/jobs?sort=name&amp;order=asc&amp;limit=50&amp;offset=0&amp;countUpTo=10050"',
    );
    // The header of the sorted column reverses the order (desc is the default, left out of the URL).
    expect(sorted.html).toContain(
      'href="/jobs?sort=name" class="sort" hx-get="/jobs?sort=name" hx-target="#jobs"',
    );
    const second = await page(t.app, '/jobs?sort=name&order=asc&limit=1&offset=1');
    expect(jobRows(second.html)).toEqual([b]);
    expect(second.html).toContain('2–2 of 3');
    expect(second.html).toContain('href="/jobs?sort=name&amp;order=asc&amp;limit=1&amp;offset=2"');
  });

  it('shows the API error for a filter it refuses', async () => {
    const { status, html } = await page(t.app, '/jobs?state=sleeping');
    expect(status).toBe(200);
    expect(html).toContain('class="error-banner"');
    expect(html).toContain('unknown job state sleeping');
  });

  it('answers htmx with a fragment, pushing the canonical URL only for navigation', async () => {
    await submit(t.app, [{ name: 'x', payload: '/bin/x' }]);
    const nav = await page(t.app, '/jobs?name=x&user=&state=&limit=50', 'jobs');
    expect(nav.html.startsWith('<!DOCTYPE')).toBe(false);
    expect(nav.html).toContain('<div id="jobs">');
    expect(nav.headers['hx-push-url']).toBe('/jobs?name=x');
    const poll = await page(t.app, '/jobs?name=x', 'live');
    expect(poll.headers['hx-push-url']).toBeUndefined();
    expect(poll.html).toContain('<section id="live"');
  });
});

describe('overview, pilots, workflows, DAGs, datasets and sites with data', () => {
  it('counts jobs and pilots by state, groups failures and shows the queue and the charts', async () => {
    await runToEnd(t.app, { name: 'ok', jobtype: 'reco' }, 0);
    await runToEnd(t.app, { name: 'bad', jobtype: 'reco' }, 3);
    await submit(t.app, [{ name: 'wait', jobtype: 'calib', site: 'fnal', payload: '/bin/x' }]);
    const { html } = await page(t.app, '/');
    expect(html).not.toContain('No jobs yet');
    expect(html).toMatch(
      /<a class="tile state-failed" href="\/jobs\?state=failed" data-state="failed"><span class="n">1</,
    );
    expect(html).toMatch(/data-pilot-state="idle"><span class="n">2</);
    expect(html).toContain('payload exited with status 3');
    expect(html).toContain('href="/jobs?state=defined&amp;jobtype=calib&amp;site=fnal"');
    const charts = [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) =>
      JSON.parse(m[1]!.replaceAll('&quot;', '"')),
    );
    expect(charts).toHaveLength(2);
    expect(charts[0].series.map((s: { values: number[] }) => s.values.reduce((x, y) => x + y, 0))).toEqual([
      1, 1,
    ]);
    const day = await page(t.app, '/?window=day');
    expect(day.html).toContain('href="/api/v1/stats/timeline?window=day"');
  });

  it('lists pilots with their state and current job, and shows one pilot with its jobs', async () => {
    const [job] = await submit(t.app, [{ name: 'held', payload: '/bin/x' }]);
    const uuid = await start(t.app, job.id, { site: null, batchId: 'condor.42' });
    const list = await page(t.app, '/pilots?state=running');
    expect(list.html).toMatch(/<tr data-pilot="1" data-state="running">/);
    expect(list.html).toContain('condor.42');
    expect(list.html).toContain(`<a href="/jobs/${job.id}">${job.id}</a>`);
    expect(jobRows((await page(t.app, '/pilots?state=lost')).html)).toEqual([]);
    const one = await page(t.app, '/pilots/1');
    expect(one.html).toContain(uuid);
    expect(jobRows(one.html)).toEqual([job.id]);
    expect((await page(t.app, `/pilots/${uuid}`)).status).toBe(200);
    const offering = await call(t.app, 'POST', '/api/v1/pilots', {
      ...registration('p-offers'),
      resources: { memory: 2048, cores: 4, disk: 0 },
    });
    expect((await page(t.app, `/pilots/${offering.json.pilot.id}`)).html).toContain(
      '2,048 MiB memory, 4 cores',
    );
  });

  it('draws a workflow as its DAG coloured by job state, its DAG template, and its files', async () => {
    const text = graphml(
      [
        { id: 'first', payload: '/bin/a' },
        { id: 'second', payload: '/bin/b' },
        { id: 'end', jobtype: 'noop' },
      ],
      [
        { source: 'first', target: 'second', name: 'f1.txt' },
        { source: 'second', target: 'end', name: 'f2.txt' },
      ],
    );
    expect((await call(t.app, 'POST', '/api/v1/dags', { name: 'chain', graphml: text })).status).toBe(201);
    const created = await call(t.app, 'POST', '/api/v1/workflows', { dag: 'chain', state: 'defined' });
    const first = created.json.jobs.find((j: { name: string }) => j.name === 'first');
    await start(t.app, first.id);
    const wf = await page(t.app, `/workflows/${created.json.workflow.id}`);
    expect(wf.status).toBe(200);
    expect(wf.html).toContain('<svg class="dag"');
    expect(wf.html).toMatch(
      new RegExp(`<a href="/jobs/${first.id}"><g class="node state-running" data-vertex="${first.id}"`),
    );
    expect(wf.html).toMatch(/<g class="node state-template noop" data-vertex="\d+" data-state="template">/);
    expect((wf.html.match(/<path class="edge"/g) ?? []).length).toBe(2);
    const list = await page(t.app, '/workflows?state=running');
    expect(list.html).toContain('data-workflow="1" data-state="running"');
    expect((await page(t.app, '/workflows?state=finished')).html).toContain(
      'No workflows match these filters',
    );
    const dag = await page(t.app, '/dags/chain');
    expect(dag.html).toContain('<g class="node noop" data-vertex="end">');
    expect(dag.html).toContain('href="/api/v1/dags/chain/graphml"');
    expect((await page(t.app, '/dags')).html).toContain('href="/workflows?dag=chain"');
    const files = await page(t.app, '/datasets?workflow=1');
    expect(files.html).toContain(
      `<a href="/jobs/${first.id}">first</a> → <a href="/jobs/${first.id + 1}">second</a>`,
    );
    expect(files.html).toContain('2</strong> datasets');
  });

  it('shows sites with their live pilots and queue', async () => {
    await call(t.app, 'POST', '/api/v1/sites', {
      site: { name: 'cern', pilots: 4, pilotcycles: 0, env: { A: 'b' } },
    });
    await submit(t.app, [{ name: 'w', site: 'cern', payload: '/bin/x' }]);
    const { html } = await page(t.app, '/sites');
    expect(html).toContain('<strong>cern</strong>');
    expect(html).toContain('href="/jobs?site=cern&amp;state=defined">1</a>');
    expect(html).toContain('A=b');
  });

  it('shows the retry rules, escaped, with the nav link, and says so when there are none', async () => {
    await call(t.app, 'POST', '/api/v1/retry-rules', {
      name: '<b>scratch</b> full',
      match: { errorName: 'exit_code', diagPattern: 'No space' },
      action: 'retry',
      delaySeconds: 30,
      delayFactor: 2,
    });
    const { html } = await page(t.app, '/retry-rules');
    expect(html).toContain('<a href="/retry-rules" class="active">Retry rules</a>');
    expect(html).toContain('<strong>&lt;b>scratch&lt;/b> full</strong>');
    expect(html).toContain('<code>error=exit_code diag=/No space/</code>');
    expect(html).toContain('<td>30s ×2</td>');
    expect(html).toContain('<code>error=lost</code>');
    expect(html).toContain('p3s (shipped default)');
    await withoutRetryRules(t.store);
    expect((await page(t.app, '/retry-rules')).html).toContain('No retry rules');
  });
});
