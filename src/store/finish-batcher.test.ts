import { describe, expect, it } from 'vitest';
import type { SoloFinish, SoloFinished } from './dialect.ts';
import {
  finishBatcher,
  keysOf,
  MAX_GROUP,
  MAX_IN_FLIGHT,
  startsGroup,
  takeGroup,
  turnBatcher,
} from './finish-batcher.ts';

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

  it('queues one report behind a running one, and groups the reports that arrive meanwhile', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const answers = [1, 2, 3, 4, 5].map((job) => submit(report(`p${job}`, job)));
    // The first runs alone; one report waiting is as many as it holds, so the second goes behind it.
    expect(groups).toEqual([[1], [2]]);
    await endNext();
    expect(groups).toEqual([[1], [2], [3, 4, 5]]);
    while (running() > 0) await endNext();
    expect((await Promise.all(answers)).map((a) => a?.row.id)).toEqual([1, 2, 3, 4, 5]);
  });

  it('queues a second group once as many reports wait as the running one holds', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const answers = [1, 2, 3, 4, 5, 6].map((job) => submit(report(`p${job}`, job)));
    await endNext();
    await endNext();
    // [3, 4, 5, 6] runs alone now; three waiting reports are fewer than its four.
    expect(running()).toBe(1);
    for (const job of [7, 8, 9]) answers.push(submit(report(`p${job}`, job)));
    expect(groups.at(-1)).toEqual([3, 4, 5, 6]);
    answers.push(submit(report('p10', 10)));
    expect(groups.at(-1)).toEqual([7, 8, 9, 10]);
    expect(running()).toBe(2);
    while (running() > 0) await endNext();
    expect(await Promise.all(answers)).toHaveLength(10);
  });

  it('never sends a report of a running pilot or job', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const answers = [submit(report('p0', 0)), submit(report('p0', 100)), submit(report('p1', 1))];
    // p0's second report waits for its first; p1's goes behind it.
    expect(groups).toEqual([[0], [1]]);
    while (running() > 0) await endNext();
    expect(groups.at(-1)).toEqual([100]);
    expect(await Promise.all(answers)).toHaveLength(3);
  });

  it('caps a group at MAX_GROUP reports and sends at most MAX_IN_FLIGHT groups', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const answers = Array.from({ length: 2 * MAX_GROUP + 5 }, (_, i) => submit(report(`p${i}`, i)));
    expect(groups.map((g) => g.length)).toEqual([1, 1]);
    expect(running()).toBe(MAX_IN_FLIGHT);
    while (running() > 0) {
      await endNext();
      expect(running()).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    }
    expect(groups.map((g) => g.length)).toEqual([1, 1, MAX_GROUP, MAX_GROUP, 3]);
    await Promise.all(answers);
  });

  it('reruns a failed group one report at a time, so a bad report fails alone', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = finishBatcher(run);
    const settled = [1, 2, 3, 4, 5].map((job) =>
      submit(report(`p${job}`, job)).then(
        (a) => a?.row.id,
        (e: Error) => e.message,
      ),
    );
    await endNext();
    await endNext();
    expect(groups).toEqual([[1], [2], [3, 4, 5]]);
    await endNext(new Error('deadlock detected'));
    expect(groups.slice(3)).toEqual([[3], [4], [5]]);
    await endNext();
    await endNext(new Error('bad report 4'));
    await endNext();
    expect(running()).toBe(0);
    expect(await Promise.all(settled)).toEqual([1, 2, 3, 'bad report 4', 5]);
  });
});

/** Lets the turn end: the reports submitted in it are grouped by then. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('turnBatcher (SQLite)', () => {
  it('runs the reports of one turn as one group, in order, once the turn ends', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = turnBatcher(run, keysOf);
    const answers = [1, 2, 3].map((job) => submit(report(`p${job}`, job)));
    expect(groups).toEqual([]);
    await nextTurn();
    expect(groups).toEqual([[1, 2, 3]]);
    const later = submit(report('p4', 4));
    await nextTurn();
    // Not held back by the running group: the store's single writer runs the groups in turn.
    expect(groups).toEqual([[1, 2, 3], [4]]);
    while (running() > 0) await endNext();
    expect((await Promise.all([...answers, later])).map((a) => a?.row.id)).toEqual([1, 2, 3, 4]);
  });

  it("puts a second report of a pilot or job in the next turn's group", async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = turnBatcher(run, keysOf);
    const answers = [submit(report('p0', 0)), submit(report('p0', 100)), submit(report('p1', 1))];
    await nextTurn();
    expect(groups).toEqual([[0, 1]]);
    await nextTurn();
    expect(groups).toEqual([[0, 1], [100]]);
    while (running() > 0) await endNext();
    expect(await Promise.all(answers)).toHaveLength(3);
  });

  it('caps a group at MAX_GROUP reports', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = turnBatcher(run, keysOf);
    const answers = Array.from({ length: MAX_GROUP + 3 }, (_, i) => submit(report(`p${i}`, i)));
    await nextTurn();
    await nextTurn();
    expect(groups.map((g) => g.length)).toEqual([MAX_GROUP, 3]);
    while (running() > 0) await endNext();
    await Promise.all(answers);
  });

  it('reruns a failed group one report at a time, so a bad report fails alone', async () => {
    const { groups, run, endNext, running } = controlledRun();
    const submit = turnBatcher(run, keysOf);
    const settled = [1, 2, 3].map((job) =>
      submit(report(`p${job}`, job)).then(
        (a) => a?.row.id,
        (e: Error) => e.message,
      ),
    );
    await nextTurn();
    await endNext(new Error('database is locked'));
    expect(groups).toEqual([[1, 2, 3], [1], [2], [3]]);
    await endNext();
    await endNext(new Error('bad report 2'));
    await endNext();
    expect(running()).toBe(0);
    expect(await Promise.all(settled)).toEqual([1, 'bad report 2', 3]);
  });
});

describe('startsGroup', () => {
  it.each([
    { inFlight: 0, queued: 0, running: 0, starts: false },
    { inFlight: 0, queued: 1, running: 0, starts: true },
    { inFlight: 1, queued: 1, running: 1, starts: true },
    { inFlight: 1, queued: 7, running: 8, starts: false },
    { inFlight: 1, queued: 8, running: 8, starts: true },
    { inFlight: 1, queued: MAX_GROUP - 1, running: MAX_GROUP, starts: false },
    { inFlight: 1, queued: MAX_GROUP, running: MAX_GROUP, starts: true },
    { inFlight: MAX_IN_FLIGHT, queued: 10 * MAX_GROUP, running: 1, starts: false },
  ])(
    '$inFlight sent, $queued waiting, $running in the running group: $starts',
    ({ inFlight, queued, running, starts }) => {
      expect(startsGroup(inFlight, queued, running)).toBe(starts);
    },
  );
});

describe('keysOf', () => {
  it('names the pilot and the job', () => {
    expect(keysOf(report('abc', 7))).toEqual(['pilot:abc', 'job:7']);
  });
});
