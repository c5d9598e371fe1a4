// Group commit for SQLite: write transactions that queue up while one is running are applied
// together in the next transaction, each inside its own savepoint, and answered only after that
// one COMMIT. Under load a commit (and the WAL pages it writes) is paid once per group instead of
// once per write; an idle server still commits each write alone, at once.

import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { Tx } from '../transaction.ts';

/** One queued write: its function and how to answer its caller. */
interface QueuedWrite {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

// Built once: the group's own statements run for every write, Kysely need not build them each time.
const BEGIN = CompiledQuery.raw('begin immediate');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');
const SAVEPOINT = CompiledQuery.raw('savepoint p3s_write');
const RELEASE = CompiledQuery.raw('release p3s_write');
const ROLLBACK_TO = CompiledQuery.raw('rollback to p3s_write');

/** Writes per group: bounds how long one COMMIT keeps the answers of a group waiting. */
export const MAX_GROUP = 64;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  db: Kysely<Database>;
  /** Whether the connection is inside a transaction (better-sqlite3's `inTransaction`). */
  inTransaction: () => boolean;
  /** Runs a group when this writer's turn comes (queues it behind other stores on the same file). */
  enqueue: (flush: () => Promise<void>) => void;
}

/** A Transact that groups the writes queued while a group runs. */
export function groupCommitTransact({ db, inTransaction, enqueue }: GroupCommitOptions) {
  const queued: QueuedWrite[] = [];
  let scheduled = false;
  const flush = async () => {
    // Writes arriving from now on go into the next group, queued behind this one.
    scheduled = false;
    const group = queued.splice(0, MAX_GROUP);
    if (queued.length > 0) schedule();
    if (group.length > 0) await runGroup(db, inTransaction, group);
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    // A transaction runs to its end within one turn of the event loop (better-sqlite3 is synchronous),
    // so waiting for the turn's end is what lets the writes of requests read in the same turn group.
    setImmediate(() => enqueue(flush));
  };
  return <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queued.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      schedule();
    });
}

async function runGroup(db: Kysely<Database>, inTransaction: () => boolean, group: QueuedWrite[]) {
  let outcomes: Outcome[];
  try {
    outcomes = await db.connection().execute(async (conn) => {
      await conn.executeQuery(BEGIN);
      try {
        const done: Outcome[] = [];
        for (const write of group) {
          done.push(
            await (group.length === 1 ? alone(conn, write) : inSavepoint(conn, write, inTransaction)),
          );
          // SQLite ended the transaction itself (e.g. a full disk): nothing of this group was stored.
          if (!inTransaction()) throw lostTransaction(done);
        }
        if (done.every((o) => !o.ok)) await conn.executeQuery(ROLLBACK);
        else await conn.executeQuery(COMMIT);
        return done;
      } catch (error) {
        if (inTransaction()) await conn.executeQuery(ROLLBACK).catch(() => undefined);
        throw error;
      }
    });
  } catch (error) {
    for (const write of group) write.reject(error);
    return;
  }
  group.forEach((write, i) => {
    const outcome = outcomes[i] as Outcome;
    if (outcome.ok) write.resolve(outcome.value);
    else write.reject(outcome.error);
  });
}

/** A group of one needs no savepoint: its error rolls the transaction back. */
async function alone(conn: Tx, write: QueuedWrite): Promise<Outcome> {
  try {
    return { ok: true, value: await write.fn(conn) };
  } catch (error) {
    return { ok: false, error };
  }
}

async function inSavepoint(conn: Tx, write: QueuedWrite, inTransaction: () => boolean): Promise<Outcome> {
  await conn.executeQuery(SAVEPOINT);
  try {
    const value = await write.fn(conn);
    await conn.executeQuery(RELEASE);
    return { ok: true, value };
  } catch (error) {
    // Undo this write only; the group's other writes stay. Not possible once SQLite dropped the transaction.
    if (inTransaction()) {
      await conn.executeQuery(ROLLBACK_TO);
      await conn.executeQuery(RELEASE);
    }
    return { ok: false, error };
  }
}

/** The error for every write of a group whose transaction SQLite rolled back by itself. */
function lostTransaction(done: Outcome[]): unknown {
  const failed = done.find((o) => !o.ok);
  return failed && !failed.ok ? failed.error : new Error('SQLite ended the write transaction');
}
