// Idempotency keys: a submission sent with a key creates its jobs (or workflow) once. The key's row
// is written in the same transaction as what it created, so a crash leaves both or neither; a
// re-send with the same key and request answers with what the first created; the same key with
// another request is refused. Keys belong to the principal that sent them and expire.

import type { Kysely } from 'kysely';
import { IdempotencyKeyReusedError } from '../core/index.ts';
import type { Database } from './schema.ts';
import type { Tx } from './transaction.ts';

/** A submission's key as the store keeps it. */
export interface IdempotencyKey {
  /** The principal that sent it: keys of different principals never meet. */
  owner: string;
  key: string;
  /** What is submitted: a re-send must be the same request. */
  request: 'jobs' | 'workflow';
  /** A hash of the request body. */
  fingerprint: string;
  now: number;
  expiresAt: number;
}

/** What the first request with a key created, as the verb answers it, and whether this was a re-send. */
export interface Once<T> {
  value: T;
  replayed: boolean;
}

/** Another request with the same key committed while this one ran: run again, to answer with its result. */
class KeyTakenMeanwhile extends Error {}

/**
 * Runs `create` once per key, in one write with the key's row: a re-send gets `replay` of the ids the
 * first request created. On PostgreSQL a request that races the first with the same key waits for
 * its commit, then runs again and replays it.
 */
export async function once<T>(
  write: <R>(fn: (tx: Tx) => Promise<R>) => Promise<R>,
  key: IdempotencyKey,
  create: (tx: Tx) => Promise<{ value: T; ids: number[] }>,
  replay: (tx: Tx, ids: number[]) => Promise<T>,
): Promise<Once<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(async (tx) => {
        const earlier = await earlierIds(tx, key);
        if (earlier) return { value: await replay(tx, earlier), replayed: true };
        const created = await create(tx);
        await recordIds(tx, key, created.ids);
        return { value: created.value, replayed: false };
      });
    } catch (error) {
      if (!(error instanceof KeyTakenMeanwhile) || attempt >= 2) throw error;
    }
  }
}

/** The ids an unexpired earlier request with this key created; throws when that request was another. */
async function earlierIds(tx: Tx, key: IdempotencyKey): Promise<number[] | undefined> {
  const row = await tx
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('owner', '=', key.owner)
    .where('key', '=', key.key)
    .where('expires_at', '>', key.now)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.request !== key.request || row.fingerprint !== key.fingerprint)
    throw new IdempotencyKeyReusedError(key.key, row.request, key.request);
  return JSON.parse(row.result) as number[];
}

/** Records what this request created; an expired row of the same key is replaced. */
async function recordIds(tx: Tx, key: IdempotencyKey, ids: number[]): Promise<void> {
  const row = {
    owner: key.owner,
    key: key.key,
    request: key.request,
    fingerprint: key.fingerprint,
    result: JSON.stringify(ids),
    created_at: key.now,
    expires_at: key.expiresAt,
  };
  const written = await tx
    .insertInto('idempotency_keys')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['owner', 'key']).doUpdateSet(row).where('idempotency_keys.expires_at', '<=', key.now),
    )
    .executeTakeFirst();
  if (Number(written.numInsertedOrUpdatedRows ?? 0) === 0) throw new KeyTakenMeanwhile();
}

/** Deletes expired keys; returns how many. */
export async function pruneIdempotencyKeys(db: Kysely<Database>, now: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
