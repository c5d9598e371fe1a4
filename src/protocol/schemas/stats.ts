// Wire shapes of the monitor's statistics: the overview's time series, recent failures grouped
// by error and diagnostic, and queue depth by job type and site.

import { type Static, Type } from 'typebox';
import { STATS_WINDOW_NAMES } from '../../core/stats.ts';
import { Millis, NullableInteger, NullableString } from './common.ts';

export const StatsWindowSchema = Type.Enum(STATS_WINDOW_NAMES);

export const TimelineQuery = Type.Object(
  { window: Type.Optional(StatsWindowSchema) },
  { additionalProperties: false },
);
export type TimelineQuery = Static<typeof TimelineQuery>;

export const TimelinePointSchema = Type.Object({
  at: Millis,
  finished: Type.Integer(),
  failed: Type.Integer(),
  running: Type.Integer(),
  pilots: Type.Integer(),
});

export const TimelineSchema = Type.Object({
  window: StatsWindowSchema,
  bucketSeconds: Type.Integer(),
  from: Millis,
  to: Millis,
  now: Millis,
  points: Type.Array(TimelinePointSchema),
});
export type TimelineWire = Static<typeof TimelineSchema>;

export const FailuresQuery = Type.Object(
  {
    window: Type.Optional(StatsWindowSchema),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);
export type FailuresQuery = Static<typeof FailuresQuery>;

export const FailureGroupSchema = Type.Object({
  errorName: NullableString,
  errorCode: NullableInteger,
  diagnostic: Type.String({ description: 'the diagnostic with times, uuids and ids folded' }),
  count: Type.Integer(),
  lastAt: Millis,
  lastJobId: Type.Integer(),
  example: Type.String(),
});
export type FailureGroupWire = Static<typeof FailureGroupSchema>;

export const FailuresSchema = Type.Object({
  window: StatsWindowSchema,
  since: Millis,
  total: Type.Integer(),
  groups: Type.Array(FailureGroupSchema),
});
export type FailuresWire = Static<typeof FailuresSchema>;

export const QueueDepthSchema = Type.Object({
  queue: Type.Array(
    Type.Object({
      jobtype: Type.String(),
      site: NullableString,
      defined: Type.Integer(),
      dispatched: Type.Integer(),
      running: Type.Integer(),
    }),
  ),
});
export type QueueDepthWire = Static<typeof QueueDepthSchema>;
