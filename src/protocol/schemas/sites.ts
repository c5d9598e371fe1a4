// Wire shapes of sites: P3S site JSON in (checked by core/site-spec.ts), stored sites out.

import { type Static, Type } from 'typebox';
import { Millis, NullableInteger, NullableString, SiteName } from './common.ts';
import { Env } from './jobs.ts';

export const SiteSchema = Type.Object({
  name: Type.String(),
  server: NullableString,
  pilots: NullableInteger,
  pilotcycles: NullableInteger,
  pilotperiod: NullableInteger,
  pilotbeat: NullableInteger,
  pilotlife: NullableInteger,
  env: Env,
  createdAt: Millis,
  updatedAt: Millis,
});
export type SiteWire = Static<typeof SiteSchema>;

/**
 * Define (insert or replace) a site. `site` is the P3S site object as written in its JSON file;
 * core/site-spec.ts validates it and names each bad field, the schema only bounds the shape.
 */
export const DefineSiteBody = Type.Object(
  { site: Type.Unknown({ description: 'P3S site object; see docs/reference/api.md' }) },
  { additionalProperties: false },
);
export type DefineSiteBody = Static<typeof DefineSiteBody>;

export const DefineSiteReply = Type.Object({ site: SiteSchema, created: Type.Boolean() });
export type DefineSiteReply = Static<typeof DefineSiteReply>;

export const SiteReply = Type.Object({ site: SiteSchema });
export const SiteList = Type.Object({ sites: Type.Array(SiteSchema) });
export type SiteList = Static<typeof SiteList>;

export const SiteNameParams = Type.Object({ name: SiteName }, { additionalProperties: false });
