import { describe, expect, it } from 'vitest';
import { compareForDispatch, isEligible, type MatchCandidate, pickJob } from './matching.ts';

const job = (over: Partial<MatchCandidate>): MatchCandidate => ({
  id: 1,
  state: 'defined',
  site: null,
  jobtype: 'default',
  priority: 0,
  ...over,
});

describe('isEligible', () => {
  it.each<[string, Partial<MatchCandidate>, { site: string | null; jobTypes: string[] }, boolean]>([
    ['any-site job, pilot without site', {}, { site: null, jobTypes: [] }, true],
    ['any-site job, pilot at a site', {}, { site: 'cern', jobTypes: [] }, true],
    ['site job, pilot at that site', { site: 'cern' }, { site: 'cern', jobTypes: [] }, true],
    ['site job, pilot elsewhere', { site: 'cern' }, { site: 'bnl', jobTypes: [] }, false],
    ['site job, pilot without site', { site: 'cern' }, { site: null, jobTypes: [] }, false],
    ['accepted type', { jobtype: 'reco' }, { site: null, jobTypes: ['reco', 'sim'] }, true],
    ['type not accepted', { jobtype: 'evdisp' }, { site: null, jobTypes: ['reco'] }, false],
    ['template is not dispatchable', { state: 'template' }, { site: null, jobTypes: [] }, false],
    ['running is not dispatchable', { state: 'running' }, { site: null, jobTypes: [] }, false],
    ['negative priority still dispatchable', { priority: -5 }, { site: null, jobTypes: [] }, true],
    [
      'priority above 10 still dispatchable (P3S bug 6)',
      { priority: 50 },
      { site: null, jobTypes: [] },
      true,
    ],
  ])('%s', (_name, over, request, expected) => {
    expect(isEligible(job(over), request)).toBe(expected);
  });
});

describe('dispatch order', () => {
  it('takes higher priority first, then submission order', () => {
    const jobs = [
      job({ id: 1, priority: 1 }),
      job({ id: 2, priority: 8 }),
      job({ id: 3, priority: 8 }),
      job({ id: 4, priority: 3 }),
    ];
    expect([...jobs].sort(compareForDispatch).map((j) => j.id)).toEqual([2, 3, 4, 1]);
  });

  it('picks the best eligible job only', () => {
    const jobs = [
      job({ id: 1, priority: 9, site: 'bnl' }),
      job({ id: 2, priority: 5, jobtype: 'sim' }),
      job({ id: 3, priority: 5 }),
      job({ id: 4, priority: 1 }),
    ];
    expect(pickJob(jobs, { site: 'cern', jobTypes: ['default'] })?.id).toBe(3);
    expect(pickJob(jobs, { site: 'bnl', jobTypes: [] })?.id).toBe(1);
    expect(pickJob([], { site: null, jobTypes: [] })).toBeUndefined();
  });
});
