// Pilot row queries: registration, look-ups by id or uuid, and the small updates the
// pilot protocol makes (seen, busy/idle, stop).

import type { Kysely } from 'kysely';
import { AppError, InvalidTransitionError, type PilotRegistration } from '../core/index.ts';
import type { Database, PilotRow } from './schema.ts';
import type { Dialect, PilotRegistrant } from './store.ts';
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
  if (existing.state === 'stopped') {
    throw new InvalidTransitionError('pilot', registration.uuid, 'stopped', 'register', 'use a new uuid');
  }
  return tx
    .updateTable('pilots')
    .set({ ...fields, state: existing.state === 'lost' ? 'idle' : existing.state })
    .where('id', '=', existing.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findPilotByUuid(db: Kysely<Database>, uuid: string): Promise<PilotRow | undefined> {
  return db.selectFrom('pilots').selectAll().where('uuid', '=', uuid).executeTakeFirst();
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
export async function requireLivePilot(tx: Tx, dialect: Dialect, uuid: string): Promise<PilotRow> {
  const pilot = await tx
    .selectFrom('pilots')
    .selectAll()
    .where('uuid', '=', uuid)
    .$if(dialect === 'postgres', (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (!pilot) throw new AppError('pilot_unknown', `pilot ${uuid} is not registered`);
  if (pilot.state === 'stopped') throw new AppError('pilot_unknown', `pilot ${uuid} was deregistered`);
  return pilot;
}

/** Records a sign of life; a lost pilot that talks again is idle again. */
export function touchPilotRow(tx: Tx, pilot: PilotRow, now: number): Promise<PilotRow> {
  return tx
    .updateTable('pilots')
    .set({ last_seen_at: now, state: pilot.state === 'lost' ? 'idle' : pilot.state })
    .where('id', '=', pilot.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The pilot took a job. */
export async function markPilotBusy(tx: Tx, pilotId: number, jobId: number, now: number): Promise<void> {
  await tx
    .updateTable('pilots')
    .set({ state: 'running', current_job_id: jobId, last_seen_at: now })
    .where('id', '=', pilotId)
    .execute();
}

/** The pilot's job ended with its report: it is idle again and has run one more job. */
export async function markPilotIdle(tx: Tx, pilotId: number, now: number): Promise<void> {
  await tx
    .updateTable('pilots')
    .set((eb) => ({
      state: 'idle',
      current_job_id: null,
      jobs_run: eb('jobs_run', '+', 1),
      last_seen_at: now,
    }))
    .where('id', '=', pilotId)
    .where('state', '!=', 'stopped')
    .execute();
}
