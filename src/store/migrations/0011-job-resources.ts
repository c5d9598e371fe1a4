// A job's resource requests: memory and disk in MiB, cores. NULL where the submission
// gave none; the pilot then holds the job to what it offers itself.

import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../store.ts';

export function jobResources(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const column of ['memory_mib', 'cores', 'disk_mib'])
        await db.schema.alterTable('jobs').addColumn(column, 'integer').execute();
    },
  };
}
