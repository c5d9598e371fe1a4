// SiteStore over Kysely for both dialects: plain single-row statements, the upsert inside one
// write transaction so `created` is exact.

import type { Kysely } from 'kysely';
import type { Provisioning, Site, SiteSpec } from '../core/index.ts';
import type { Database } from './schema.ts';
import type { SiteRow } from './schema-sites.ts';
import type { SiteStore } from './site-store.ts';
import { guardStore } from './store-errors.ts';
import type { Transact } from './transaction.ts';

export class SqlSiteStore implements SiteStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly transact: Transact,
  ) {}

  defineSite(spec: SiteSpec, now: number): Promise<{ site: Site; created: boolean }> {
    return guardStore(() =>
      this.transact(async (tx) => {
        const existing = await tx
          .selectFrom('sites')
          .select('created_at')
          .where('name', '=', spec.name)
          .executeTakeFirst();
        const values = {
          server: spec.server,
          pilots: spec.pilots,
          pilot_cycles: spec.pilotcycles,
          pilot_period: spec.pilotperiod,
          pilot_beat: spec.pilotbeat,
          pilot_life: spec.pilotlife,
          queue_limit: spec.queuelimit,
          env: JSON.stringify(spec.env),
          provisioning: spec.provisioning === null ? null : JSON.stringify(spec.provisioning),
          updated_at: now,
        };
        const row = existing
          ? await tx
              .updateTable('sites')
              .set(values)
              .where('name', '=', spec.name)
              .returningAll()
              .executeTakeFirstOrThrow()
          : await tx
              .insertInto('sites')
              .values({ name: spec.name, ...values, created_at: now })
              .returningAll()
              .executeTakeFirstOrThrow();
        return { site: toSite(row), created: !existing };
      }),
    );
  }

  async getSite(name: string): Promise<Site | undefined> {
    const row = await guardStore(() =>
      this.db.selectFrom('sites').selectAll().where('name', '=', name).executeTakeFirst(),
    );
    return row && toSite(row);
  }

  async listSites(): Promise<Site[]> {
    const rows = await guardStore(() => this.db.selectFrom('sites').selectAll().orderBy('name').execute());
    return rows.map(toSite);
  }

  async deleteSite(name: string): Promise<boolean> {
    const deleted = await guardStore(() =>
      this.transact((tx) =>
        tx.deleteFrom('sites').where('name', '=', name).returning('name').executeTakeFirst(),
      ),
    );
    return deleted !== undefined;
  }
}

/** Drain state and provisioning are kept when a site is defined again: only the spec's columns are written. */
export function toSite(row: SiteRow): Site {
  return {
    name: row.name,
    server: row.server,
    pilots: row.pilots,
    pilotcycles: row.pilot_cycles,
    pilotperiod: row.pilot_period,
    pilotbeat: row.pilot_beat,
    pilotlife: row.pilot_life,
    queuelimit: row.queue_limit,
    env: JSON.parse(row.env) as Record<string, string>,
    provisioning: row.provisioning === null ? null : (JSON.parse(row.provisioning) as Provisioning),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    drained: row.drained_at === null ? null : { at: row.drained_at, by: row.drained_by ?? 'unknown' },
    feedResetAt: row.feed_reset_at,
  };
}
