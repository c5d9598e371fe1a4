// RetentionStore over Kysely: a dry run reads without a transaction; a purge deletes its page
// in one write transaction, so an export taken from the same call is exactly what went.

import type { Kysely } from 'kysely';
import type { PurgeTarget } from '../core/index.ts';
import type { StoreDialect } from './dialect.ts';
import { purgeJobsIn, purgePilotsIn } from './purge-queries.ts';
import { purgeWorkflowsIn } from './purge-workflow-queries.ts';
import type { PurgeQuery, PurgeResult, RetentionStore } from './retention-store.ts';
import type { Database } from './schema.ts';
import { guardStore } from './store-errors.ts';
import type { Transact } from './transaction.ts';

type Purger = (db: Kysely<Database>, dialect: StoreDialect, query: PurgeQuery) => Promise<PurgeResult>;

const PURGERS: Record<PurgeTarget, Purger> = {
  jobs: purgeJobsIn,
  pilots: purgePilotsIn,
  workflows: purgeWorkflowsIn,
};

export class SqlRetentionStore implements RetentionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: StoreDialect,
    private readonly transact: Transact,
  ) {}

  purge(query: PurgeQuery): Promise<PurgeResult> {
    const purger = PURGERS[query.what];
    return guardStore(() =>
      query.dryRun
        ? purger(this.db, this.dialect, query)
        : this.transact((tx) => purger(tx, this.dialect, query)),
    );
  }
}
