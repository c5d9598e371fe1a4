// The sites table as Kysely sees it: one row per site, keyed by name; env is JSON text,
// and a pilot default the site does not set is NULL.

import type { Selectable } from 'kysely';

export interface SitesTable {
  name: string;
  server: string | null;
  pilots: number | null;
  pilot_cycles: number | null;
  pilot_period: number | null;
  pilot_beat: number | null;
  pilot_life: number | null;
  /** Seconds a job for the site may wait `defined` (0014); NULL = no limit. */
  queue_limit: number | null;
  /** JSON object of string values. */
  env: string;
  /** JSON of core's Provisioning; NULL: the factory does not provision this site. */
  provisioning: string | null;
  drained_at: number | null;
  drained_by: string | null;
  feed_reset_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SiteTables {
  sites: SitesTable;
}

export type SiteRow = Selectable<SitesTable>;
