import { describe, expect, it } from 'vitest';
import { isFiltered, jobsApiQuery, jobsViewUrl, parseJobsView } from './job-filters.ts';

describe('the jobs view in the URL', () => {
  it('reads filters leniently: repeated or comma lists, bad numbers and windows ignored', () => {
    const view = parseJobsView({
      state: ['failed', 'running,failed'],
      user: ' bob ',
      workflow: 'x',
      pilot: '3',
      window: 'soon',
      sort: 'bogus',
      limit: '5000',
      offset: '-1',
    });
    expect(view).toMatchObject({
      states: ['failed', 'running'],
      user: 'bob',
      pilot: 3,
      sort: 'id',
      order: 'desc',
      limit: 1000,
      offset: 0,
    });
    expect(view.workflow).toBeUndefined();
    expect(view.window).toBeUndefined();
  });

  it('writes the canonical URL without defaults, so the same view has one link', () => {
    const view = parseJobsView({
      state: 'failed',
      name: 'reco-*',
      user: '',
      sort: 'id',
      order: 'desc',
      limit: '50',
      window: '1h',
    });
    expect(jobsViewUrl(view)).toBe('/jobs?state=failed&name=reco-*&window=1h');
    expect(jobsViewUrl(view, { sort: 'name', order: 'asc', offset: 100 })).toBe(
      '/jobs?state=failed&name=reco-*&window=1h&sort=name&order=asc&offset=100',
    );
    expect(jobsViewUrl(parseJobsView({}))).toBe('/jobs');
    expect(isFiltered(parseJobsView({ limit: '10' }))).toBe(false);
    expect(isFiltered(view)).toBe(true);
  });

  it('turns a window into the API since on the chosen time', () => {
    const now = 10_000_000;
    const q = jobsApiQuery(parseJobsView({ window: '90m', time: 'ended', error: '1100' }), now);
    expect(q).toMatchObject({
      since: now - 90 * 60_000,
      time: 'ended',
      error: '1100',
      sort: 'id',
      order: 'desc',
      limit: 50,
      offset: 0,
    });
    expect(jobsApiQuery(parseJobsView({ time: 'ended' }), now)).toMatchObject({
      since: undefined,
      time: undefined,
    });
  });
});
