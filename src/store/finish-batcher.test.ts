import { describe, expect, it } from 'vitest';
import { finishBatcher, keysOf, MAX_GROUP, MAX_IN_FLIGHT, startsGroup, takeGroup } from './finish-batcher.ts';
import type { SoloFinish, SoloFinished } from './finish-postgres.ts';

describe('takeGroup', () => {
  it.each([
    { case: 'an empty queue', keys: [], busy: [], max: 4, group: [] },
    {
      case: 'distinct reports, all',
      keys: [
        ['p1', 'j1'],
        ['p2', 'j2'],
      ],
      busy: [],
      max: 4,
      group: [0, 1],
    },
    {
      case: 'up to max',
      keys: [
        ['p1', 'j1'],
        ['p2', 'j2'],
        ['p3', 'j3'],
      ],
      busy: [],
      max: 2,
      group: [0, 1],
    },
    {
      case: 'a busy pilot waits',
      keys: [
        ['p1', 'j1'],
        ['p2', 'j2'],
      ],
      busy: ['p1'],
      max: 4,
      group: [1],
    },
    {
      case: 'a busy job waits',
      keys: [
        ['p1', 'j1'],
        ['p2', 'j2'],
      ],
      busy: ['j2'],
      max: 4,
      group: [0],
    },
    {
      case: 'a repeated job waits for the next group',
      keys: [
        ['p1', 'j1'],
        ['p2', 'j1'],
      ],
      busy: [],
      max: 4,
      group: [0],
    },
    {
      case: 'a later report of a waiting one waits too (order kept)',
      keys: [
        ['p1', 'j1'],
        ['p1', 'j2'],
        ['p3', 'j2'],
      ],
      busy: ['j1'],
      max: 4,
      group: [],
    },
    { case: 'everything busy', keys: [['p1', 'j1']], busy: ['p1', 'j1'], max: 4, group: [] },
  ])('$case', ({ keys, busy, max, group }) => {
    expect(takeGroup(keys, new Set(busy), max)).toEqual(group);
  });
});

/** A report for `job` by `pilot`; only its keys matter to the batcher. */
const report = (pilot: string, job: number) => ({ input: { pilotUuid: pilot, jobId: job } }) as SoloFinish;
const answer = (finish: SoloFinish) => ({ row: { id: finish.input.jobId } }) as SoloFinished;

/** A group runner whose statements the test ends one by one, recording the groups it got. */
function controlledRun() {
  const groups: number[][] = [];
  const pending: { group: readonly SoloFinish[]; end: (fail?: Error) => void }[] = [];
  const run = (group: readonly SoloFinish[]) => {
    groups.push(group.map((f) => f.input.jobId));
    return new Promise<(SoloFinished | undefined)[]>((resolve, reject) => {
      pending.push({ group, end: (fail) => (fail ? reject(fail) : resolve(group.map(answer))) });
    });
  };
  /** Ends the oldest running statement, then lets the batcher start the next groups. */
  const endNext = async (fail?: Error) => {
    pending.shift()?.end(fail);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { groups, run, endNext, running: () => pending.length };
}

describe('finishBatcher', () => {
  it('sends a lone report at once, alone', async () => {
    const { groups, run, endNext } = controlledRun();
    const submit = finishBatcher(run);
    const done = submit(report('p1', 1));
    expect(groups).toEqual([[1]]);
    await endNext();
    expect((await done)?.row.id).toBe(1);
  });

  it('groups the reports that arrive while its statement runs', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const answers = [1, 2, 3, 4, 5].map((job) => submit(report(`p${job}`, job)));
    expect(groups).toEqual([[1]]);
    await endNext();
    expect(groups).toEqual([[1], [2, 3, 4, 5]]);
    while (running() > 0) await endNext();
    expect((await Promise.all(answers)).map((a) => a?.row.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('starts a second group when a whole one waits, never with a report of a running pilot or job', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const answers = [submit(report('p0', 0)), submit(report('p0', 100))];
    for (let job = 1; job < MAX_GROUP; job++) answers.push(submit(report(`p${job}`, job)));
    // p0's second report waits for its first; the other MAX_GROUP - 1 go at once.
    expect(groups.map((g) => g.length)).toEqual([1, MAX_GROUP - 1]);
    expect(groups[1]).not.toContain(100);
    while (running() > 0) await endNext();
    expect(groups.at(-1)).toEqual([100]);
    expect(await Promise.all(answers)).toHaveLength(MAX_GROUP + 1);
  });

  it('caps a group at MAX_GROUP reports and runs at most MAX_IN_FLIGHT groups', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const answers = Array.from({ length: 2 * MAX_GROUP + 5 }, (_, i) => submit(report(`p${i}`, i)));
    expect(groups.map((g) => g.length)).toEqual([1, MAX_GROUP]);
    expect(running()).toBe(MAX_IN_FLIGHT);
    while (running() > 0) await endNext();
    expect(groups.map((g) => g.length)).toEqual([1, MAX_GROUP, MAX_GROUP, 4]);
    await Promise.all(answers);
  });

  it('reruns a failed group one report at a time, so a bad report fails alone', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const settled = [1, 2, 3, 4].map((job) =>
      submit(report(`p${job}`, job)).then(
        (a) => a?.row.id,
        (e: Error) => e.message,
      ),
    );
    await endNext();
    expect(groups).toEqual([[1], [2, 3, 4]]);
    await endNext(new Error('deadlock detected'));
    expect(groups.slice(2)).toEqual([[2], [3], [4]]);
    await endNext();
    await endNext(new Error('bad report 3'));
    await endNext();
    expect(running()).toBe(0);
    expect(await Promise.all(settled)).toEqual([1, 2, 'bad report 3', 4]);
  });
});

describe('startsGroup', () => {
  it.each([
    { inFlight: 0, queued: 0, starts: false },
    { inFlight: 0, queued: 1, starts: true },
    { inFlight: 1, queued: 1, starts: false },
    { inFlight: 1, queued: MAX_GROUP - 1, starts: false },
    { inFlight: 1, queued: MAX_GROUP, starts: true },
    { inFlight: MAX_IN_FLIGHT, queued: 10 * MAX_GROUP, starts: false },
  ])('$inFlight running, $queued waiting: $starts', ({ inFlight, queued, starts }) => {
    expect(startsGroup(inFlight, queued)).toBe(starts);
  });
});

describe('keysOf', () => {
  it('names the pilot and the job', () => {
    expect(keysOf(report('abc', 7))).toEqual(['pilot:abc', 'job:7']);
  });
});
