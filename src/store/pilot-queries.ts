// Pilot row queries: registration, look-ups by id or uuid, and the small updates the
// pilot protocol makes (seen, busy/idle, stop).

import type { Kysely } from 'kysely';
import {
  AppError,
  InvalidTransitionError,
  type PilotRegistration,
  pilotHeard,
  pilotMove,
  TERMINAL_PILOT_STATES,
} from '../core/index.ts';
import type { DialectSql } from './dialect.ts';
import { type Arg, precompiled } from './precompiled.ts';
import type { Database, PilotRow } from './schema.ts';
import type { PilotRegistrant } from './store.ts';
import type { Tx } from './transaction.ts';

/** Registers a pilot; a repeated registration of a live pilot (a retried request) refreshes it instead. */
export async function upsertPilot(
  tx: Tx,
  registration: PilotRegistration,
  now: number,
  registrant: PilotRegistrant | null,
): Promise<PilotRow> {
  const fields = {
    host: registration.host,
    site: registration.site,
    pid: registration.pid,
    batch_id: registration.batchId,
    job_types: JSON.stringify(registration.jobTypes),
    version: registration.version,
    lifetime: registration.lifetime,
    ...offerColumns(registration, now),
    last_seen_at: now,
  };
  const existing = await findPilotByUuid(tx, registration.uuid);
  if (!existing) {
    return tx
      .insertInto('pilots')
      .values({
        ...fields,
        uuid: registration.uuid,
        state: 'idle',
        registered_at: now,
        token_id: registrant?.tokenId ?? null,
        owner: registrant?.name ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  if (TERMINAL_PILOT_STATES.includes(existing.state)) {
    throw new InvalidTransitionError(
      'pilot',
      registration.uuid,
      existing.state,
      'register',
      'use a new uuid',
    );
  }
  return tx
    .updateTable('pilots')
    .set({ ...fields, state: pilotHeard(existing.state, existing.uuid) })
    .where('id', '=', existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

const pilotByUuid = precompiled((db, arg: Arg<{ uuid: string }>) =>
  db.selectFrom('pilots').selectAll().where('uuid', '=', arg('uuid')),
);
const pilotByUuidForUpdate = precompiled((db, arg: Arg<{ uuid: string }>) =>
  db.selectFrom('pilots').selectAll().where('uuid', '=', arg('uuid')).forUpdate(),
);

export function findPilotByUuid(db: Kysely<Database>, uuid: string): Promise<PilotRow | undefined> {
  return pilotByUuid.first(db, { uuid });
}

/** Accepts a numeric id (also as digits in a string) or a uuid. */
export function findPilot(db: Kysely<Database>, idOrUuid: number | string): Promise<PilotRow | undefined> {
  if (typeof idOrUuid === 'number' || /^\d+$/.test(idOrUuid)) {
    const id = Number(idOrUuid);
    if (!Number.isSafeInteger(id)) return Promise.resolve(undefined);
    return db.selectFrom('pilots').selectAll().where('id', '=', id).executeTakeFirst();
  }
  return findPilotByUuid(db, idOrUuid);
}

/** The pilot behind a protocol request, locked; unknown and stopped pilots must register again. */
export async function requireLivePilot(tx: Tx, dialect: DialectSql, uuid: string): Promise<PilotRow> {
  const pilot = await dialect.locked(pilotByUuid, pilotByUuidForUpdate).first(tx, { uuid });
  if (!pilot) throw new AppError('pilot_unknown', `pilot ${uuid} is not registered`);
  if (TERMINAL_PILOT_STATES.includes(pilot.state))
    throw new AppError('pilot_unknown', `pilot ${uuid} was deregistered`);
  return pilot;
}

const touch = precompiled((db, arg: Arg<{ id: number; now: number; state: PilotRow['state'] }>) =>
  db
    .updateTable('pilots')
    .set({ last_seen_at: arg('now'), state: arg('state') })
    .where('id', '=', arg('id'))
    .returningAll(),
);

/** Records a sign of life; a lost pilot that talks again is idle again. */
export async function touchPilotRow(tx: Tx, pilot: PilotRow, now: number): Promise<PilotRow> {
  const state = pilotHeard(pilot.state, pilot.uuid);
  const row = await touch.first(tx, { id: pilot.id, now, state });
  // The row was read in this transaction; it cannot have gone.
  if (!row) throw new Error(`pilot ${pilot.id} vanished during its own transaction`);
  return row;
}

/** Records why the pilot takes no jobs (null: it takes them again), with its sign of life. */
export function holdPilotRow(tx: Tx, pilot: PilotRow, hold: string | null, now: number): Promise<PilotRow> {
  return tx
    .updateTable('pilots')
    .set({ hold, last_seen_at: now, state: pilotHeard(pilot.state, pilot.uuid) })
    .where('id', '=', pilot.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

const busy = precompiled((db, arg: Arg<{ id: number; jobId: number; jobsRun: number; now: number }>) =>
  db
    .updateTable('pilots')
    .set({
      state: 'running',
      current_job_id: arg('jobId'),
      jobs_run: arg('jobsRun'),
      last_seen_at: arg('now'),
    })
    .where('id', '=', arg('id')),
);

/**
 * The pilot took a job. `pilot` is its row as read or left in this transaction (the write lock keeps
 * it current), so that a fetch-next's count of the job it just finished lands in the same write.
 */
export async function markPilotBusy(tx: Tx, pilot: PilotRow, jobId: number, now: number): Promise<void> {
  // The pilot table decides: a stopped pilot never becomes running (pilotMove throws).
  pilotMove(pilotHeard(pilot.state, pilot.uuid), 'running', pilot.uuid);
  await busy.rows(tx, { id: pilot.id, jobId, jobsRun: pilot.jobs_run, now });
}

const idle = precompiled((db, arg: Arg<{ id: number; now: number }>) =>
  db
    .updateTable('pilots')
    .set((eb) => ({
      state: 'idle',
      current_job_id: null,
      jobs_run: eb('jobs_run', '+', 1),
      last_seen_at: arg('now'),
    }))
    .where('id', '=', arg('id'))
    .where('state', 'not in', TERMINAL_PILOT_STATES),
);

/** The pilot's job ended with its report: it is idle again and has run one more job. */
export async function markPilotIdle(tx: Tx, pilotId: number, now: number): Promise<void> {
  await idle.rows(tx, { id: pilotId, now });
}

/**
 * What the pilot offers, as columns: 0 (the pilot could not tell) and absent are NULL, no
 * constraint. The lifetime's end is the server's clock plus the seconds the pilot says it has left,
 * so the two clocks need not agree.
 */
function offerColumns(registration: PilotRegistration, now: number) {
  const { resources, lifetimeLeft } = registration;
  return {
    memory_mib: resources?.memory || null,
    cores: resources?.cores || null,
    disk_mib: resources?.disk || null,
    lifetime_ends_at: lifetimeLeft === undefined ? null : now + lifetimeLeft * 1000,
  };
}
