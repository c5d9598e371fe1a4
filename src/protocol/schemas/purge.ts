// Wire shapes of the purge route: which records, how old, which states, one page at a time.

import { type Static, Type } from 'typebox';
import { PURGE_BATCH_MAX, PURGE_TARGETS } from '../../core/retention.ts';
import { Id, Millis } from './common.ts';

export const PurgeBody = Type.Object(
  {
    what: Type.Enum(PURGE_TARGETS),
    /** A duration such as `30d`, `12h`, `90m`, `45s`, measured back from the server's clock. */
    olderThan: Type.String({ minLength: 1, maxLength: 32 }),
    /** States to purge; default: the ended states of `what`. */
    states: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 16 })),
    /** Report what would be purged, change nothing. */
    dryRun: Type.Optional(Type.Boolean()),
    /** Return the full records (job with events and attempts, pilot, workflow with jobs and files). */
    records: Type.Optional(Type.Boolean()),
    /** Only these ids (they must still match everything else). */
    ids: Type.Optional(Type.Array(Id, { maxItems: PURGE_BATCH_MAX })),
    /** Paging: only ids above this. */
    afterId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PURGE_BATCH_MAX })),
  },
  { additionalProperties: false },
);
export type PurgeBody = Static<typeof PurgeBody>;

export const PurgeReply = Type.Object({
  what: Type.Enum(PURGE_TARGETS),
  /** The cutoff: records last changed before this time. */
  before: Millis,
  states: Type.Array(Type.String()),
  dryRun: Type.Boolean(),
  /** Purged ids (in a dry run: the ids that would be), ascending. */
  ids: Type.Array(Type.Integer()),
  records: Type.Array(Type.Unknown()),
  /** `afterId` for the next page, or null when there is no more. */
  next: Type.Union([Type.Integer(), Type.Null()]),
});
export type PurgeReply = Static<typeof PurgeReply>;
