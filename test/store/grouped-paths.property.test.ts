// The grouped paths of the pilot protocol (the dialect's touchAndClaim, heartbeat and soloFinish,
// reports of one round sent together) against the general path one report at a time (the same
// store with its grouped paths turned off): random rounds of claims, starts, heartbeats, finishes,
// fetch-next finishes, kills and lost leases leave identical jobs, events, attempts and pilots.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobOutcome } from '../../src/core/index.ts';
import { StoreAvailability } from '../../src/store/availability.ts';
import type { StoreDialect } from '../../src/store/dialect.ts';
import { openPostgresDialect } from '../../src/store/postgres/dialect.ts';
import type { Database } from '../../src/store/schema.ts';
import { StoreSignals } from '../../src/store/signals.ts';
import { SqlStore } from '../../src/store/sql-store.ts';
import { openSqliteDialect } from '../../src/store/sqlite/dialect.ts';
import { PROCESS_SQLITE_WRITERS } from '../../src/store/sqlite/transact.ts';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../helpers/postgres.ts';
import { registration, spec, T0 } from './conformance-fixtures.ts';

const LEASE = 10_000;
const PILOTS = 3;
const JOBS = 5;

type Act = 'claim' | 'start' | 'beat' | 'finish0' | 'finish1' | 'next' | 'rest';
interface Round {
  acts: Act[];
  user: { kill: number } | { expire: true } | null;
}

const round: fc.Arbitrary<Round> = fc.record({
  acts: fc.array(fc.constantFrom<Act>('claim', 'start', 'beat', 'finish0', 'finish1', 'next', 'rest'), {
    minLength: PILOTS,
    maxLength: PILOTS,
  }),
  user: fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.record({ kill: fc.integer({ min: 1, max: JOBS }) }) },
    { weight: 1, arbitrary: fc.constant({ expire: true as const }) },
  ),
});

type Opened = { db: Kysely<Database>; dialect: StoreDialect; availability: StoreAvailability };

/** The same store with its grouped paths answering "not here": every report takes the general transaction. */
function oneAtATime(dialect: StoreDialect): StoreDialect {
  return {
    ...dialect,
    touchAndClaim: async () => undefined,
    heartbeat: async () => undefined,
    soloFinish: async () => undefined,
  };
}

const outcome = (code: number): JobOutcome => ({ kind: 'exited', exitCode: code });

/** Runs the rounds; `together` sends a round's reports at once. Returns what the pilots were told and the rows. */
async function play(store: SqlStore, uuids: string[], rounds: Round[], together: boolean) {
  const told: string[] = [];
  // Replies to reports sent together arrive in any order: each round's are compared sorted.
  let heard: string[] = [];
  const held = new Map<number, { jobId: number; attempt: number }>();
  let now = T0;
  for (const [i, uuid] of uuids.entries())
    await store.registerPilot(registration({ uuid, host: `h${i}` }), now);
  await store.submitJobs(
    Array.from({ length: JOBS }, (_, i) => spec({ name: `j${i}`, priority: i % 2 })),
    'alice',
    now,
  );
  const tell = (p: number, what: string) => heard.push(`${p}:${what}`);
  const claimed = (p: number, c: { job: { id: number; attempt: number } } | null) => {
    if (c) held.set(p, { jobId: c.job.id, attempt: c.job.attempt });
    else held.delete(p);
    tell(p, c ? `claimed ${c.job.id}/${c.job.attempt}` : 'nothing');
  };
  const report = async (p: number, act: Act) => {
    const job = held.get(p);
    if (!job) return;
    const base = {
      ...job,
      pilotUuid: uuids[p] as string,
      metrics: { cpuSeconds: p + 1, rssKb: 50 * p, maxRssKb: 100 * p },
      now,
    };
    try {
      if (act === 'start')
        tell(p, JSON.stringify(await store.startJob({ ...base, leaseMs: LEASE, pid: 100 + p })));
      if (act === 'beat') tell(p, JSON.stringify(await store.heartbeatJob({ ...base, leaseMs: LEASE })));
      if (act === 'finish0' || act === 'finish1') {
        const finished = await store.finishJob({ ...base, outcome: outcome(act === 'finish0' ? 0 : 1) });
        held.delete(p);
        tell(p, `ended ${finished.state}`);
      }
      if (act === 'next') {
        const { job: ended, next } = await store.finishAndClaimJob({ ...base, outcome: outcome(0) }, LEASE);
        tell(p, `ended ${ended.state}`);
        claimed(p, next.claimed);
      }
    } catch (error) {
      held.delete(p);
      tell(p, `refused ${(error as { code?: string }).code ?? (error as Error).message}`);
    }
  };
  for (const { acts, user } of rounds) {
    now += 1000;

    const reports = acts.map((act, p) => () => report(p, act));
    if (together) await Promise.all(reports.map((run) => run()));
    else for (const run of reports) await run();
    // Claims one after the other in pilot order on both: which pilot gets which job is the rule under test.
    for (const [p, act] of acts.entries())
      if (act === 'claim' && !held.has(p))
        claimed(p, (await store.touchAndClaimJob(uuids[p] as string, LEASE, now)).claimed);
    if (user && 'kill' in user) {
      try {
        const { job, immediate } = await store.killJob(user.kill, 'bob', now);
        heard.push(`kill ${job.id} ${job.state} ${immediate}`);
      } catch (error) {
        heard.push(`kill refused ${(error as { code?: string }).code}`);
      }
    }
    if (user && 'expire' in user) {
      now += LEASE + 1;
      const { lostJobs, lostPilots } = await store.expireLeases(now, now - 5 * LEASE);
      heard.push(`lost ${lostJobs.map((j) => j.id).join(',')} / ${lostPilots.map((p) => p.uuid).join(',')}`);
    }
    told.push(...heard.sort(), '--');
    heard = [];
  }
  const jobs = [];
  for (let id = 1; id <= JOBS; id++) {
    const detail = await store.getJobDetail(id);
    // A job's uuid is random at submission; everything else follows from the reports.
    // Event ids interleave across jobs in the order concurrent reports committed; each job's own order stays.
    jobs.push(
      detail && {
        ...detail,
        job: { ...detail.job, uuid: undefined },
        events: detail.events.map((e) => ({ ...e, id: undefined })),
      },
    );
  }
  const pilots = [];
  for (const uuid of uuids) pilots.push(await store.getPilot(uuid));
  return { told, jobs, pilots: pilots.map((p) => p && { ...p, id: undefined }) };
}

function property(open: () => Promise<{ opened: Opened; done: () => Promise<void> }>) {
  return fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 12 }), async (rounds) => {
    const uuids = Array.from({ length: PILOTS }, (_, p) => `00000000-0000-4000-8000-00000000000${p}`);
    const results = [];
    for (const together of [true, false]) {
      const { opened, done } = await open();
      const dialect = together ? opened.dialect : oneAtATime(opened.dialect);
      const store = new SqlStore(opened.db, dialect, new StoreSignals(), opened.availability);
      try {
        await store.migrate();
        results.push(await play(store, uuids, rounds, together));
      } finally {
        await store.close();
        await done();
      }
    }
    expect(results[0]).toEqual(results[1]);
  });
}

describe('grouped paths against one report at a time (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p3s-grouped-'));
  let n = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('leaves identical rows', async () => {
    const open = async () => {
      const availability = new StoreAvailability();
      const opened = openSqliteDialect(join(dir, `db-${++n}.sqlite`), availability, PROCESS_SQLITE_WRITERS);
      return { opened: { ...opened, availability }, done: async () => {} };
    };
    await fc.assert(property(open), { numRuns: 25 });
  });
});

describe.runIf(postgresAvailable())('grouped paths against one report at a time (PostgreSQL)', () => {
  it('leaves identical rows', async () => {
    const open = async () => {
      const db: TestDatabase = await createTestDatabase();
      const availability = new StoreAvailability();
      const opened = await openPostgresDialect(db.url, availability, 'test');
      return { opened: { ...opened, availability }, done: () => db.drop() };
    };
    await fc.assert(property(open), { numRuns: 10 });
  });
});
