// Sites: named pilot defaults (cycles, period, beat), a pilot target and payload env, as P3S's
// sites.site held them. Plus an index for purging old jobs by their last change.

import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../store.ts';

export function sites(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sites')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('server', 'text')
        .addColumn('pilots', 'integer')
        .addColumn('pilot_cycles', 'integer')
        .addColumn('pilot_period', 'integer')
        .addColumn('pilot_beat', 'integer')
        .addColumn('pilot_life', 'integer')
        .addColumn('env', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();
      // Retention walks ended jobs by age, oldest first.
      await sql`CREATE INDEX jobs_by_updated_index ON jobs (updated_at, id)`.execute(db);
    },
  };
}
