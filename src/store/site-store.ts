// Sites in domain verbs: define (insert or replace by name), read, list, delete. A separate
// interface from Store's job and pilot verbs, reached as `store.sites`.

import type { Site, SiteSpec } from '../core/index.ts';

export interface SiteStore {
  /** Inserts the site or replaces the one with its name (P3S upserted by name); `created` tells which. */
  defineSite(spec: SiteSpec, now: number): Promise<{ site: Site; created: boolean }>;
  getSite(name: string): Promise<Site | undefined>;
  /** Every site, by name. */
  listSites(): Promise<Site[]>;
  /** Removes the site; false when there was none. Jobs and pilots naming it are not touched. */
  deleteSite(name: string): Promise<boolean>;
}
