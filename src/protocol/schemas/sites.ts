// Wire shapes of sites: P3S site JSON in (checked by core/site-spec.ts), stored sites out.

import { type Static, Type } from 'typebox';
import { BATCH_SYSTEMS } from '../../core/provisioning.ts';
import { Millis, NullableInteger, NullableMillis, NullableString, SiteName } from './common.ts';
import { Env } from './jobs.ts';

/** A site's provisioning as stored (core/provisioning.ts fills every default). */
export const ProvisioningSchema = Type.Object({
  batch: Type.Enum(BATCH_SYSTEMS),
  maxWorkers: Type.Integer(),
  maxQueued: Type.Integer(),
  submitBatch: Type.Integer(),
  pilotLifetime: NullableInteger,
  pilotTimefloor: Type.Integer(),
  pilotIdle: Type.Integer(),
  pilotArgs: Type.Array(Type.String()),
  pilotCommand: NullableString,
  jobTypes: Type.Array(Type.String()),
  siteless: Type.Boolean(),
  resources: Type.Object({
    cores: Type.Integer(),
    memoryMb: NullableInteger,
    wallSeconds: NullableInteger,
    queue: NullableString,
    account: NullableString,
  }),
  submitLines: Type.Array(Type.String()),
  startTimeout: Type.Integer(),
  failureLimit: Type.Integer(),
  failureCooldown: Type.Integer(),
});
export type ProvisioningWire = Static<typeof ProvisioningSchema>;

export const SiteSchema = Type.Object({
  name: Type.String(),
  server: NullableString,
  pilots: NullableInteger,
  pilotcycles: NullableInteger,
  pilotperiod: NullableInteger,
  pilotbeat: NullableInteger,
  pilotlife: NullableInteger,
  /** Seconds a job for this site may wait `defined` before it fails with queue_timeout; null = no limit. */
  queuelimit: NullableInteger,
  env: Env,
  provisioning: Type.Union([ProvisioningSchema, Type.Null()]),
  createdAt: Millis,
  updatedAt: Millis,
  /** `p3s site drain`: when and by whom; null when the site is fed. */
  drained: Type.Union([Type.Object({ at: Millis, by: Type.String() }), Type.Null()]),
  /** `p3s site resume`: worker failures before this are forgiven. */
  feedResetAt: NullableMillis,
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
