// Watchdogs: a site's queue limit, the seconds a job asking for the site may wait `defined`
// before the reaper fails it with queue_timeout. NULL = no limit, as for every site from before.

import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../store.ts';

export function watchdogs(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sites').addColumn('queue_limit', 'integer').execute();
    },
  };
}
