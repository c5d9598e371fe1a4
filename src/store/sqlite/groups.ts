// What the grouped SQLite reports (finish.ts, heartbeat.ts) share: statements that
// take the whole group as one JSON array, so that their text is the same for any group size and
// SQLite prepares each once, and the one read of the group's pilots and jobs.

import { CompiledQuery } from 'kysely';
import type { JobRow, PilotRow } from '../schema.ts';
import type { Tx } from '../transaction.ts';

/** Runs `text`, whose one parameter is the JSON array of `items` (read with json_each). */
export async function overJson<R>(tx: Tx, text: string, items: readonly unknown[]): Promise<R[]> {
  return (await tx.executeQuery<R>(CompiledQuery.raw(text, [JSON.stringify(items)]))).rows;
}

/** Job events, one per item (the columns of job_events by name). */
export const EVENT_COLUMNS = [
  'job_id',
  'attempt',
  'at',
  'from_state',
  'to_state',
  'transition',
  'actor',
  'detail',
];
export const INSERT_EVENTS = `
  INSERT INTO job_events (${EVENT_COLUMNS.join(', ')})
  SELECT ${EVENT_COLUMNS.map((c) => `value ->> '${c}'`).join(', ')} FROM json_each(?)`;

const PILOTS_BY_UUID = 'SELECT * FROM pilots WHERE uuid IN (SELECT value FROM json_each(?))';
const JOBS_BY_ID = 'SELECT * FROM jobs WHERE id IN (SELECT value FROM json_each(?))';

/** The pilots and jobs a group of reports names, by uuid and by id (missing ones are absent). */
export async function readPilotsAndJobs(
  tx: Tx,
  reports: readonly { pilotUuid: string; jobId: number }[],
): Promise<{ pilots: Map<string, PilotRow>; jobs: Map<number, JobRow> }> {
  const pilots = await overJson<PilotRow>(
    tx,
    PILOTS_BY_UUID,
    reports.map((r) => r.pilotUuid),
  );
  const jobs = await overJson<JobRow>(
    tx,
    JOBS_BY_ID,
    reports.map((r) => r.jobId),
  );
  return { pilots: new Map(pilots.map((p) => [p.uuid, p])), jobs: new Map(jobs.map((j) => [j.id, j])) };
}
