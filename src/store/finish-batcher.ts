// Group commit for the solo finish (postgres/finish.ts, sqlite/finish.ts). PostgreSQL: reports that arrive while a
// group's statement runs wait, then go together in the next one, so under load a commit, a round
// trip and an executor start are paid once per group instead of once per job; an idle server sends
// each report at once, alone. The groups share one pipelined connection (postgres/pipeline.ts): a second
// group is written behind the running one once as many reports wait as that one holds, so
// PostgreSQL starts it the moment the first commits. Sent sooner it would be small, and the fixed
// cost of a statement would be paid for few jobs; no third group goes behind the two
// (docs/performance.md, when to write the next group). SQLite runs
// a group in one turn of the event loop, synchronously, so its groups are the reports read in one
// turn (turnBatcher), as its group commit groups transactions (sqlite/group-commit.ts).

import type { SoloFinish, SoloFinished } from './dialect.ts';

/** Reports per statement: bounds one statement's locks and how long its answers wait. */
export const MAX_GROUP = 32;
/** Groups sent at once: the running one and the one queued behind it on the pipelined connection. */
export const MAX_IN_FLIGHT = 2;

/** The keys a report locks: its pilot and its job. Two reports sharing one never run at once. */
export function keysOf({ input }: SoloFinish): [string, string] {
  return [`pilot:${input.pilotUuid}`, `job:${input.jobId}`];
}

/**
 * Which queued reports form the next group, by index in queue order: the first `max` whose keys
 * are neither busy (in a running group) nor taken by an earlier report of the group. The others
 * wait, in order, for a later group: a retried report never races its original.
 */
export function takeGroup(
  keys: readonly (readonly string[])[],
  busy: ReadonlySet<string>,
  max: number,
): number[] {
  const taken = new Set(busy);
  const group: number[] = [];
  for (const [index, own] of keys.entries()) {
    if (group.length >= max) break;
    const free = !own.some((key) => taken.has(key));
    for (const key of own) taken.add(key);
    if (free) group.push(index);
  }
  return group;
}

/**
 * Whether to start a group now: none runs and one waits, or a slot is free and as many wait as the
 * running group holds (`running`, at most MAX_GROUP).
 */
export function startsGroup(inFlight: number, queued: number, running: number): boolean {
  if (queued === 0 || inFlight >= MAX_IN_FLIGHT) return false;
  return inFlight === 0 || queued >= Math.min(MAX_GROUP, running);
}

interface Queued<T = SoloFinish, R = SoloFinished> {
  item: T;
  keys: readonly string[];
  resolve: (answer: R | undefined) => void;
  reject: (error: unknown) => void;
}

type RunGroup<T = SoloFinish, R = SoloFinished> = (group: readonly T[]) => Promise<(R | undefined)[]>;

/** Submits solo finishes; each answer is the statement's for that report (undefined: it matched nothing). */
export function finishBatcher(run: RunGroup): (finish: SoloFinish) => Promise<SoloFinished | undefined> {
  const queue: Queued[] = [];
  const busy = new Set<string>();
  let inFlight = 0;
  /** The size of the group started last: the running one whenever one runs (the connection answers in order). */
  let lastSize = 0;

  const pump = () => {
    while (startsGroup(inFlight, queue.length, lastSize)) {
      const picked = takeGroup(
        queue.map((q) => q.keys),
        busy,
        MAX_GROUP,
      );
      if (picked.length === 0) return;
      const group = picked.map((index) => queue[index] as Queued);
      for (const index of picked.reverse()) queue.splice(index, 1);
      for (const queued of group) for (const key of queued.keys) busy.add(key);
      inFlight += 1;
      lastSize = group.length;
      void runGroup(run, group).finally(() => {
        for (const queued of group) for (const key of queued.keys) busy.delete(key);
        inFlight -= 1;
        pump();
      });
    }
  };

  return (finish) =>
    new Promise((resolve, reject) => {
      queue.push({ item: finish, keys: keysOf(finish), resolve, reject });
      pump();
    });
}

/** Runs a group and answers its reports. A failed statement changed nothing: each report then runs alone, so one bad report fails only itself. */
async function runGroup<T, R>(run: RunGroup<T, R>, group: Queued<T, R>[]): Promise<void> {
  try {
    const answers = await run(group.map((q) => q.item));
    for (const [index, queued] of group.entries()) queued.resolve(answers[index]);
  } catch (error) {
    if (group.length === 1) {
      (group[0] as Queued<T, R>).reject(error);
      return;
    }
    await Promise.all(group.map((queued) => runGroup(run, [queued])));
  }
}

/**
 * SQLite: the reports read in one turn of the event loop go in one group (at most MAX_GROUP, with
 * distinct `keys`: a pilot's or a job's second report waits for the next turn's). Groups run one
 * after another in the store's single writer, so a report in a later group sees what an earlier
 * one wrote. Used for finishes (sqlite/finish.ts) and heartbeats (sqlite/heartbeat.ts).
 */
export function turnBatcher<T, R>(
  run: RunGroup<T, R>,
  keys: (item: T) => readonly string[],
): (item: T) => Promise<R | undefined> {
  const queue: Queued<T, R>[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const picked = takeGroup(
      queue.map((q) => q.keys),
      new Set(),
      MAX_GROUP,
    );
    const group = picked.map((index) => queue[index] as Queued<T, R>);
    for (const index of picked.reverse()) queue.splice(index, 1);
    if (queue.length > 0) schedule();
    void runGroup(run, group);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  };
  return (item) =>
    new Promise((resolve, reject) => {
      queue.push({ item, keys: keys(item), resolve, reject });
      schedule();
    });
}
