import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../protocol/errors.ts';
import { liveAsk, liveUrl, type Reads, readsVersion, recordingApi, spaced } from './live.tsx';
import type { MonitorApi } from './monitor-api.ts';

describe('liveAsk: which requests the server holds', () => {
  it.each([
    [
      'a region asking with its version',
      { wait: '25', seen: 'abc' },
      'live',
      true,
      { seen: 'abc', waitSeconds: 25 },
    ],
    [
      'a wait beyond the most is capped',
      { wait: '999', seen: 'abc' },
      'live',
      true,
      { seen: 'abc', waitSeconds: 60 },
    ],
    ['a first page load (not htmx)', { wait: '25', seen: 'abc' }, 'live', false, undefined],
    ['htmx without a target', { wait: '25', seen: 'abc' }, null, true, undefined],
    ['no version', { wait: '25' }, 'live', true, undefined],
    ['no wait', { seen: 'abc' }, 'live', true, undefined],
    ['wait 0', { wait: '0', seen: 'abc' }, 'live', true, undefined],
    ['a wait that is not a number', { wait: 'soon', seen: 'abc' }, 'live', true, undefined],
    ['a version too long to be one', { wait: '25', seen: 'x'.repeat(65) }, 'live', true, undefined],
  ] as const)('%s', (_name, query, target, htmx, expected) => {
    expect(liveAsk(query, target, htmx, 60)).toEqual(expected);
  });
});

describe('liveUrl', () => {
  it.each([
    ['/jobs/3', { waitSeconds: 25, version: 'v1' }, '/jobs/3?wait=25&seen=v1'],
    ['/jobs?state=failed', { waitSeconds: 25, version: 'v1' }, '/jobs?state=failed&wait=25&seen=v1'],
    // Rendered without a version (e.g. a button's answer): the region asks at once for one.
    ['/jobs/3', { waitSeconds: 25 }, '/jobs/3'],
  ])('%s with %o', (url, live, expected) => {
    expect(liveUrl(url, live)).toBe(expected);
  });
});

/** A MonitorApi whose answers are given per call. */
function fakeApi(answers: Record<string, unknown>): MonitorApi {
  const api: Record<string, () => Promise<unknown>> = {};
  for (const [key, answer] of Object.entries(answers))
    api[key] = async () => {
      if (answer instanceof Error) throw answer;
      return answer;
    };
  return api as unknown as MonitorApi;
}

async function versionOf(answers: Record<string, unknown>, read: (api: MonitorApi) => Promise<unknown>) {
  const reads: Reads = [];
  await read(recordingApi(fakeApi(answers), reads));
  return readsVersion(reads);
}

describe('the version of what a page read', () => {
  const job = (state: string) => ({ job: { id: 1, state } });

  it('follows the answers and the order they were asked in', async () => {
    const both = (api: MonitorApi) => Promise.all([api.getJob(1), api.summary()]);
    const a = await versionOf({ getJob: job('running'), summary: { jobs: {} } }, both);
    expect(await versionOf({ getJob: job('running'), summary: { jobs: {} } }, both)).toBe(a);
    expect(await versionOf({ getJob: job('finished'), summary: { jobs: {} } }, both)).not.toBe(a);
    const reversed = (api: MonitorApi) => Promise.all([api.summary(), api.getJob(1)]);
    expect(await versionOf({ getJob: job('running'), summary: { jobs: {} } }, reversed)).not.toBe(a);
  });

  it('notes a failed read by its status', async () => {
    const why = (api: MonitorApi) => api.jobWhy(1).catch(() => undefined);
    const gone = new ApiError(404, { code: 'not_found', message: 'no job 1', details: [] });
    const refused = new ApiError(403, { code: 'forbidden', message: 'no', details: [] });
    expect(await versionOf({ jobWhy: gone }, why)).toBe(await versionOf({ jobWhy: gone }, why));
    expect(await versionOf({ jobWhy: gone }, why)).not.toBe(await versionOf({ jobWhy: refused }, why));
  });

  it.each([
    [
      'statsTimeline',
      { window: 'hour', now: 1, from: 0, to: 1, points: [] },
      { window: 'hour', now: 2, from: 1, to: 2, points: [] },
      { window: 'hour', now: 2, from: 1, to: 2, points: [{ at: 0, finished: 1 }] },
    ],
    ['statsFailures', { since: 1, groups: [] }, { since: 2, groups: [] }, { since: 2, groups: [{ n: 1 }] }],
    [
      'jobWhy',
      { jobId: 1, reasons: [{ code: 'held_by_pilot', message: 'since … (3s)', data: { since: 5 } }] },
      { jobId: 1, reasons: [{ code: 'held_by_pilot', message: 'since … (4s)', data: { since: 5 } }] },
      { jobId: 1, reasons: [{ code: 'held_by_pilot', message: 'since … (4s)', data: { since: 6 } }] },
    ],
    [
      'siteProvisioning',
      { provisioning: { site: 's', decision: { submit: 0, detail: 'next try in 3 s', until: 9 } } },
      { provisioning: { site: 's', decision: { submit: 0, detail: 'next try in 2 s', until: 9 } } },
      { provisioning: { site: 's', decision: { submit: 1, detail: 'next try in 2 s', until: 9 } } },
    ],
  ])('leaves out what only follows the clock in %s', async (key, before, later, changed) => {
    const read = (api: MonitorApi) => (api as unknown as Record<string, () => Promise<unknown>>)[key]!();
    const first = await versionOf({ [key]: before }, read);
    expect(await versionOf({ [key]: later }, read)).toBe(first);
    expect(await versionOf({ [key]: changed }, read)).not.toBe(first);
  });
});

describe('spaced', () => {
  it('looks at once the first time, then not before the gap since the previous look began', async () => {
    vi.useFakeTimers({ now: 1000 });
    try {
      const began: number[] = [];
      const look = spaced(async () => began.push(Date.now()), 1000);
      await look();
      expect(began).toEqual([1000]);
      vi.advanceTimersByTime(400);
      const second = look();
      await vi.advanceTimersByTimeAsync(599);
      expect(began).toEqual([1000]);
      await vi.advanceTimersByTimeAsync(1);
      await second;
      expect(began).toEqual([1000, 2000]);
      // Once the gap has passed, at once.
      vi.advanceTimersByTime(1500);
      await look();
      expect(began).toEqual([1000, 2000, 3500]);
    } finally {
      vi.useRealTimers();
    }
  });
});
