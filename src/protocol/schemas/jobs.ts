// Wire shapes of jobs and the user-facing job routes.

import { type Static, Type } from 'typebox';
import { JOB_SORT_KEYS, JOB_TIME_FIELDS } from '../../core/job-query.ts';
import { JOB_STATES } from '../../core/job-state.ts';
import {
  Id,
  Millis,
  NullableInteger,
  NullableMillis,
  NullableNumber,
  NullableString,
  Offset,
  WaitSeconds,
} from './common.ts';

export const JobStateSchema = Type.Enum(JOB_STATES);

export const Env = Type.Record(Type.String(), Type.String());

export const JobSchema = Type.Object({
  id: Id,
  uuid: Type.String(),
  name: Type.String(),
  user: Type.String(),
  jobtype: Type.String(),
  payload: Type.String(),
  env: Env,
  priority: Type.Integer(),
  timelimit: Type.Integer(),
  /** Resource requests (memory and disk in MiB), present when the job made them. */
  memory: Type.Optional(Type.Integer()),
  cores: Type.Optional(Type.Integer()),
  disk: Type.Optional(Type.Integer()),
  site: NullableString,
  state: JobStateSchema,
  attempt: Type.Integer(),
  workflowId: NullableInteger,
  pilotId: NullableInteger,
  host: NullableString,
  ranAtSite: NullableString,
  pid: NullableInteger,
  exitCode: NullableInteger,
  signal: NullableString,
  errorName: NullableString,
  errorCode: NullableInteger,
  errorDiag: NullableString,
  leaseExpiresAt: NullableMillis,
  killRequested: Type.Boolean(),
  cpuSeconds: NullableNumber,
  maxRssKb: NullableInteger,
  createdAt: Millis,
  definedAt: NullableMillis,
  dispatchedAt: NullableMillis,
  startedAt: NullableMillis,
  endedAt: NullableMillis,
  updatedAt: Millis,
});
export type JobWire = Static<typeof JobSchema>;

export const JobEventSchema = Type.Object({
  id: Type.Integer(),
  jobId: Type.Integer(),
  attempt: Type.Integer(),
  at: Millis,
  fromState: Type.Union([JobStateSchema, Type.Null()]),
  toState: JobStateSchema,
  transition: Type.String(),
  actor: Type.String(),
  detail: NullableString,
});

export const JobAttemptSchema = Type.Object({
  jobId: Type.Integer(),
  attempt: Type.Integer(),
  state: JobStateSchema,
  pilotId: NullableInteger,
  host: NullableString,
  site: NullableString,
  exitCode: NullableInteger,
  signal: NullableString,
  errorName: NullableString,
  errorCode: NullableInteger,
  errorDiag: NullableString,
  cpuSeconds: NullableNumber,
  maxRssKb: NullableInteger,
  dispatchedAt: NullableMillis,
  startedAt: NullableMillis,
  endedAt: NullableMillis,
});

/** A memory/CPU sample of the current attempt (at most one per 5 s, at most 720, thinned evenly). */
export const JobSampleSchema = Type.Object({
  at: Millis,
  rssKb: Type.Integer(),
  pssKb: NullableInteger,
  cpuSeconds: Type.Number(),
});

export const JobDetailSchema = Type.Object({
  job: JobSchema,
  events: Type.Array(JobEventSchema),
  attempts: Type.Array(JobAttemptSchema),
  samples: Type.Array(JobSampleSchema),
});
export type JobDetailWire = Static<typeof JobDetailSchema>;

/**
 * Submission body. Job objects are validated by core/job-spec.ts (P3S-compatible:
 * numbers may be strings), which names each bad field; the schema only bounds the shape.
 */
export const SubmitJobsBody = Type.Object(
  {
    jobs: Type.Array(Type.Unknown(), { description: 'P3S job objects; see docs/reference/api.md' }),
    /** Submitting identity (until access control exists, the client's $USER). */
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type SubmitJobsBody = Static<typeof SubmitJobsBody>;

export const JobList = Type.Object({
  jobs: Type.Array(JobSchema),
  total: Type.Integer(),
  /** False when the count stopped at `countUpTo`: more than `total` jobs match. */
  totalExact: Type.Boolean(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type JobList = Static<typeof JobList>;

/** Most jobs one read lists: a page of `GET /api/v1/jobs`, the jobs a progress read carries. */
export const MAX_JOB_PAGE = 1000;

export const JobListQuery = Type.Object(
  {
    ids: Type.Optional(
      Type.String({
        maxLength: 20000,
        pattern: '^[0-9]+(,[0-9]+)*$',
        description: 'comma-separated job ids',
      }),
    ),
    state: Type.Optional(Type.String({ maxLength: 200, description: 'comma-separated states' })),
    user: Type.Optional(Type.String({ maxLength: 64 })),
    jobtype: Type.Optional(Type.String({ maxLength: 64 })),
    site: Type.Optional(Type.String({ maxLength: 64 })),
    name: Type.Optional(Type.String({ maxLength: 256, description: 'glob: * and ?' })),
    workflow: Type.Optional(Type.Integer({ minimum: 1 })),
    pilot: Type.Optional(Type.Integer({ minimum: 1 })),
    error: Type.Optional(
      Type.String({ maxLength: 64, description: 'error name (exit_code, lost, …) or its number (1100, …)' }),
    ),
    since: Type.Optional(
      Type.Integer({ minimum: 0, description: 'epoch ms: the `time` field is at or after it' }),
    ),
    until: Type.Optional(
      Type.Integer({ minimum: 0, description: 'epoch ms: the `time` field is before it' }),
    ),
    time: Type.Optional(
      Type.Enum(JOB_TIME_FIELDS, { description: 'field of since/until (default updated)' }),
    ),
    sort: Type.Optional(Type.Enum(JOB_SORT_KEYS)),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_JOB_PAGE })),
    offset: Type.Optional(Offset),
    countUpTo: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description: 'count matching jobs only up to this many (totalExact is false when more match)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type JobListQuery = Static<typeof JobListQuery>;

export const AdjustJobBody = Type.Object(
  {
    priority: Type.Optional(Type.Integer({ minimum: -1_000_000, maximum: 1_000_000 })),
    timelimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 315_360_000 })),
    env: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]))),
    state: Type.Optional(Type.Union([Type.Literal('defined'), Type.Literal('template')])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type AdjustJobBody = Static<typeof AdjustJobBody>;

export const KillJobReply = Type.Object({ job: JobSchema, immediate: Type.Boolean() });

export const LogQuery = Type.Object(
  {
    stream: Type.Optional(Type.Union([Type.Literal('out'), Type.Literal('err')])),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    attempt: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 4_194_304 })),
    /** Held until bytes after `offset` arrive or the log is complete. */
    wait: Type.Optional(WaitSeconds),
  },
  { additionalProperties: false },
);
export type LogQuery = Static<typeof LogQuery>;

export const LogSliceSchema = Type.Object({
  jobId: Type.Integer(),
  attempt: Type.Integer(),
  stream: Type.Union([Type.Literal('out'), Type.Literal('err')]),
  offset: Type.Integer(),
  nextOffset: Type.Integer(),
  omittedBefore: Type.Integer({ description: 'bytes skipped before offset (not kept by the log cap)' }),
  totalBytes: Type.Integer(),
  keptBytes: Type.Integer({
    description: 'bytes of the log the server kept: totalBytes, or less when the log cap dropped the middle',
  }),
  data: Type.String(),
  /** True when the job has ended and no more bytes will come. */
  complete: Type.Boolean(),
  jobState: JobStateSchema,
});
export type LogSliceWire = Static<typeof LogSliceSchema>;

export const JobProgressQuery = Type.Object(
  {
    ids: Type.String({
      maxLength: 20000,
      pattern: '^[0-9]+(,[0-9]+)*$',
      description: 'comma-separated job ids',
    }),
    /** Held until every one of the jobs has ended. */
    wait: Type.Optional(WaitSeconds),
    jobs: Type.Optional(
      Type.Boolean({
        description: `once every job has ended, the reply carries them as GET /api/v1/jobs?ids= lists them (at most ${MAX_JOB_PAGE} ids)`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type JobProgressQuery = Static<typeof JobProgressQuery>;

export const JobProgressSchema = Type.Object({
  /** The jobs asked for that exist, by state. */
  counts: Type.Record(Type.String(), Type.Integer()),
  /** Ids asked for that name no job (never submitted, or deleted since). */
  missing: Type.Integer(),
  /** Every job asked for is finished, failed or cancelled (or gone). */
  ended: Type.Boolean(),
  /** With `jobs=true`, once ended: the jobs that exist, newest first (a waiting client's last read). */
  jobs: Type.Optional(Type.Array(JobSchema)),
});
export type JobProgressWire = Static<typeof JobProgressSchema>;

export const SummarySchema = Type.Object({
  jobs: Type.Record(Type.String(), Type.Integer()),
  pilots: Type.Record(Type.String(), Type.Integer()),
});
export type SummaryWire = Static<typeof SummarySchema>;
