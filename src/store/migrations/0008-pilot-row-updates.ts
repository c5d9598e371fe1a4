// Drops the index of idle pilots by last-seen time, so that the pilot row updates on the hot path
// (fetch-next's running mark, heartbeats' last-seen time) change no indexed column. On PostgreSQL
// such an UPDATE is HOT: the new row version goes on the same page and no index gets an entry,
// where before each one added an entry to all four indexes of `pilots` (A/B, 16 pilots: a few per
// cent of jobs/s, at the edge of the noise). The lease reaper's search for silent idle pilots walks
// `pilots_by_state_index` instead: idle pilots are few.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';

export function pilotRowUpdates(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`DROP INDEX pilots_idle_seen_index`.execute(db);
    },
  };
}
