// Wire shapes of workers (batch jobs the factory submitted to run pilots) and of a site's
// provisioning state: the factory's decision for it now, as the factory, the CLI and the monitor read it.

import { type Static, Type } from 'typebox';
import { PILOT_STATES } from '../../core/pilot-state.ts';
import { BATCH_SYSTEMS } from '../../core/provisioning.ts';
import { FEED_LIMITS } from '../../core/provisioning-decisions.ts';
import { WORKER_FAILURES, WORKER_STATES } from '../../core/worker-state.ts';
import { Id, Millis, NullableInteger, NullableMillis, NullableString, Offset } from './common.ts';

export const WorkerStateSchema = Type.Enum(WORKER_STATES);
const WorkerFailureSchema = Type.Union([Type.Enum(WORKER_FAILURES), Type.Null()]);
const BatchSystemSchema = Type.Enum(BATCH_SYSTEMS);
const SiteName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
const BatchId = Type.String({ minLength: 3, maxLength: 255 });
const Reason = Type.Union([Type.String({ maxLength: 4000 }), Type.Null()]);

export const WorkerSchema = Type.Object({
  id: Id,
  site: Type.String(),
  batchSystem: BatchSystemSchema,
  batchId: NullableString,
  state: WorkerStateSchema,
  pilot: Type.Union([
    Type.Object({
      id: Id,
      uuid: Type.String(),
      state: Type.Enum(PILOT_STATES),
      currentJobId: NullableInteger,
      jobsRun: Type.Integer(),
      registeredAt: Millis,
    }),
    Type.Null(),
  ]),
  submittedAt: Millis,
  startedAt: NullableMillis,
  endedAt: NullableMillis,
  updatedAt: Millis,
  exitCode: NullableInteger,
  reason: NullableString,
  failure: WorkerFailureSchema,
  killRequested: Type.Union([Type.Object({ at: Millis, by: Type.String() }), Type.Null()]),
  cancelledBy: NullableString,
  logPath: NullableString,
  factory: NullableString,
});
export type WorkerWire = Static<typeof WorkerSchema>;

/** Record workers the factory just submitted (or that the batch system refused). */
export const SubmitWorkersBody = Type.Object(
  {
    workers: Type.Array(
      Type.Object(
        {
          site: SiteName,
          batchSystem: BatchSystemSchema,
          batchId: Type.Union([BatchId, Type.Null()]),
          state: Type.Union([Type.Literal('submitted'), Type.Literal('failed')]),
          reason: Reason,
          failure: WorkerFailureSchema,
          logPath: Type.Union([Type.String({ maxLength: 4096 }), Type.Null()]),
          factory: Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
  },
  { additionalProperties: false },
);
export type SubmitWorkersBody = Static<typeof SubmitWorkersBody>;

/** Batch-state changes the factory saw, each applied only if the worker is still in `from`. */
export const WorkerChangesBody = Type.Object(
  {
    changes: Type.Array(
      Type.Object(
        {
          id: Id,
          from: WorkerStateSchema,
          to: WorkerStateSchema,
          at: Millis,
          exitCode: Type.Optional(NullableInteger),
          reason: Type.Optional(Reason),
          failure: Type.Optional(WorkerFailureSchema),
          cancelledBy: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);
export type WorkerChangesBody = Static<typeof WorkerChangesBody>;

export const WorkerChangesReply = Type.Object({
  workers: Type.Array(WorkerSchema),
  /** Workers that had moved on meanwhile: the change was not applied. */
  skipped: Type.Array(Id),
});
export type WorkerChangesReply = Static<typeof WorkerChangesReply>;

export const WorkerListQuery = Type.Object(
  {
    site: Type.Optional(SiteName),
    state: Type.Optional(Type.String({ maxLength: 100, description: 'comma-separated states' })),
    order: Type.Optional(Type.Union([Type.Literal('newest'), Type.Literal('ended')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Offset),
  },
  { additionalProperties: false },
);
export type WorkerListQuery = Static<typeof WorkerListQuery>;

export const WorkerList = Type.Object({
  workers: Type.Array(WorkerSchema),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type WorkerList = Static<typeof WorkerList>;

export const WorkerReply = Type.Object({ worker: WorkerSchema });

/** A provisioned site as the factory sees it now: demand, workers, and its decision. */
export const ProvisioningStateSchema = Type.Object({
  site: Type.String(),
  batch: BatchSystemSchema,
  drained: Type.Boolean(),
  waitingJobs: Type.Integer(),
  workers: Type.Object({
    submitted: Type.Integer(),
    held: Type.Integer(),
    running: Type.Integer(),
    unclaimed: Type.Integer(),
  }),
  /** How the site's workers ended over the last day. */
  lastDay: Type.Object({
    finished: Type.Integer(),
    failed: Type.Integer(),
    cancelled: Type.Integer(),
    lost: Type.Integer(),
    neverRegistered: Type.Integer(),
    submitRefused: Type.Integer(),
  }),
  decision: Type.Object({
    submit: Type.Integer(),
    limit: Type.Enum(FEED_LIMITS),
    detail: Type.String(),
    until: NullableMillis,
    demand: Type.Integer(),
  }),
});
export type ProvisioningStateWire = Static<typeof ProvisioningStateSchema>;

export const ProvisioningStateReply = Type.Object({ provisioning: ProvisioningStateSchema });

export const DrainReply = Type.Object({
  site: Type.Object({
    name: Type.String(),
    drained: Type.Union([Type.Object({ at: Millis, by: Type.String() }), Type.Null()]),
  }),
  /** Live pilots asked to stop after their current job. */
  pilotsStopping: Type.Integer(),
  /** Queued workers the factory will remove. */
  workersToRemove: Type.Integer(),
});
export type DrainReply = Static<typeof DrainReply>;
