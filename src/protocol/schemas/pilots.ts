// Wire shapes of the pilot protocol: register, claim (long-poll), start, heartbeat, finish.

import { type Static, Type } from 'typebox';
import { PILOT_STATES } from '../../core/pilot-state.ts';
import { Id, Millis, NullableInteger, NullableMillis, NullableString, Offset, Uuid } from './common.ts';
import { Env, JobStateSchema } from './jobs.ts';

export const PilotStateSchema = Type.Enum(PILOT_STATES);
const Name = Type.String({ minLength: 1, maxLength: 64 });

export const RegisterPilotBody = Type.Object(
  {
    uuid: Uuid,
    host: Type.String({ minLength: 1, maxLength: 255 }),
    site: Type.Union([Name, Type.Null()]),
    pid: Type.Integer({ minimum: 0 }),
    batchId: Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
    jobTypes: Type.Array(Name, { maxItems: 256 }),
    version: Type.String({ maxLength: 64 }),
    lifetime: Type.Integer({ minimum: 0 }),
    /**
     * Seconds of its lifetime left now; absent = unlimited. The server adds them to its own clock,
     * and a claim hands the pilot no job whose time limit is longer than what is then left.
     */
    lifetimeLeft: Type.Optional(Type.Integer({ minimum: 0 })),
    /** What the pilot offers its jobs: memory and disk in MiB, cores; 0 = not known. A claim hands it no job asking for more. */
    resources: Type.Optional(
      Type.Object(
        {
          memory: Type.Integer({ minimum: 0 }),
          cores: Type.Integer({ minimum: 0 }),
          disk: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type RegisterPilotBody = Static<typeof RegisterPilotBody>;

export const PilotSchema = Type.Object({
  id: Id,
  uuid: Type.String(),
  host: Type.String(),
  site: NullableString,
  pid: Type.Integer(),
  batchId: NullableString,
  jobTypes: Type.Array(Type.String()),
  version: Type.String(),
  lifetime: Type.Integer(),
  state: PilotStateSchema,
  currentJobId: NullableInteger,
  jobsRun: Type.Integer(),
  stopRequested: Type.Boolean(),
  registeredAt: Millis,
  lastSeenAt: Millis,
  endedAt: NullableMillis,
  /** The name of the token that registered the pilot. */
  owner: NullableString,
  /** Why the pilot takes no jobs now, as it reported (e.g. its work disk is full); null while it takes them. */
  hold: NullableString,
  /** What it offers its jobs (memory and disk in MiB, cores) and when its lifetime ends; null = unknown or unlimited. */
  memory: NullableInteger,
  cores: NullableInteger,
  disk: NullableInteger,
  lifetimeEndsAt: NullableMillis,
});
export type PilotWire = Static<typeof PilotSchema>;

/** Server settings a pilot must follow, sent at registration. */
export const PilotConfig = Type.Object({
  /** Longest a claim may wait, in seconds. */
  maxClaimWait: Type.Integer(),
  /** Lease granted per claim/heartbeat, in seconds; heartbeat well within it. */
  leaseSeconds: Type.Integer(),
  /** Bytes of each log stream the server keeps from the start and from the end. */
  logHeadBytes: Type.Integer(),
  logTailBytes: Type.Integer(),
});
export type PilotConfig = Static<typeof PilotConfig>;

export const RegisterPilotReply = Type.Object({ pilot: PilotSchema, config: PilotConfig });
export type RegisterPilotReply = Static<typeof RegisterPilotReply>;

export const ClaimBody = Type.Object(
  {
    /** Seconds to wait for a job before answering "no job". */
    wait: Type.Number({ minimum: 0, maximum: 3600 }),
    /** The pilot's heartbeat interval in seconds; the lease covers several of them. */
    beat: Type.Number({ minimum: 0.05, maximum: 86_400 }),
    /**
     * A reason (e.g. its disk is full): the pilot takes no job now; the answer comes at once, with
     * no job, and the reason shows as the pilot's `hold`. Null: it takes jobs again (the hold is
     * cleared) and the claim goes on as usual. Absent: no change.
     */
    hold: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type ClaimBody = Static<typeof ClaimBody>;

/** The job as a pilot needs it. */
export const DispatchedJob = Type.Object({
  id: Id,
  uuid: Type.String(),
  name: Type.String(),
  jobtype: Type.String(),
  payload: Type.String(),
  env: Env,
  timelimit: Type.Integer(),
  attempt: Type.Integer(),
  leaseExpiresAt: Millis,
  /** The job's resource requests (memory and disk in MiB), when it made them. */
  memory: Type.Optional(Type.Integer({ minimum: 1 })),
  cores: Type.Optional(Type.Integer({ minimum: 1 })),
  disk: Type.Optional(Type.Integer({ minimum: 1 })),
});
export type DispatchedJob = Static<typeof DispatchedJob>;

export const ClaimReply = Type.Object({
  job: Type.Union([DispatchedJob, Type.Null()]),
  /** `stop`: the pilot was asked to stop; it deregisters and exits. */
  command: Type.Union([Type.Literal('stop'), Type.Null()]),
});
export type ClaimReply = Static<typeof ClaimReply>;

/** Most claims in one request: a pilot process's most slots (pilot/slots.ts). */
export const MAX_CLAIMS_TOGETHER = 256;

/**
 * Several pilots' claims in one long-poll, each as its own `POST /pilots/:id/claim` body. The
 * answer comes once any of them has a job or a command (and each other one has what it got by then).
 */
export const ClaimsBody = Type.Object(
  {
    claims: Type.Array(
      Type.Object({ pilot: Uuid, ...ClaimBody.properties }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: MAX_CLAIMS_TOGETHER,
      },
    ),
  },
  { additionalProperties: false },
);
export type ClaimsBody = Static<typeof ClaimsBody>;

/** One answer per claim, in the order of the claims. */
export const ClaimsReply = Type.Object({ answers: Type.Array(ClaimReply) });
export type ClaimsReply = Static<typeof ClaimsReply>;

const Metrics = Type.Object(
  {
    cpuSeconds: Type.Number({ minimum: 0 }),
    rssKb: Type.Integer({ minimum: 0 }),
    maxRssKb: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const LogChunk = Type.Object(
  { offset: Type.Integer({ minimum: 0 }), data: Type.String({ description: 'base64 bytes' }) },
  { additionalProperties: false },
);

/** New stdout/stderr bytes since the last report. */
export const LogChunks = Type.Object(
  { out: Type.Optional(LogChunk), err: Type.Optional(LogChunk) },
  { additionalProperties: false },
);
export type LogChunks = Static<typeof LogChunks>;

const PilotRef = { pilot: Uuid, attempt: Type.Integer({ minimum: 1 }) };

export const StartJobBody = Type.Object(
  {
    ...PilotRef,
    pid: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    seconds: Type.Optional(
      Type.Number({ minimum: 0, maximum: 86_400, description: 'how long the payload has run when reported' }),
    ),
  },
  { additionalProperties: false },
);
export type StartJobBody = Static<typeof StartJobBody>;

export const HeartbeatBody = Type.Object(
  { ...PilotRef, metrics: Type.Union([Metrics, Type.Null()]), logs: Type.Optional(LogChunks) },
  { additionalProperties: false },
);
export type HeartbeatBody = Static<typeof HeartbeatBody>;

export const JobCommandReply = Type.Object({
  command: Type.Union([Type.Literal('kill'), Type.Null()]),
  leaseExpiresAt: Millis,
});
export type JobCommandReplyWire = Static<typeof JobCommandReply>;

export const Outcome = Type.Union([
  Type.Object({ kind: Type.Literal('exited'), exitCode: Type.Integer() }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('signaled'), signal: Type.String({ maxLength: 32 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('timelimit'), timelimit: Type.Integer() },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('killed') }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('nonstarter'), reason: Type.String({ maxLength: 4000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('pilot_shutdown'), signal: Type.String({ maxLength: 32 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('server_unreachable'), seconds: Type.Number() },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('pilot_lifetime') }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('disk_full'),
      path: Type.String({ minLength: 1, maxLength: 4096 }),
      detail: Type.String({ maxLength: 4000 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Union([
        Type.Literal('memory_exceeded'),
        Type.Literal('disk_exceeded'),
        Type.Literal('looping'),
      ]),
      detail: Type.String({ maxLength: 4000 }),
    },
    { additionalProperties: false },
  ),
]);

export const FinishJobBody = Type.Object(
  {
    ...PilotRef,
    outcome: Outcome,
    metrics: Type.Union([Metrics, Type.Null()]),
    logs: Type.Optional(LogChunks),
    /**
     * The payload's start, sent when it ended before its start report was due (short jobs
     * cost one report, not two): its pid and how many seconds before this report it started.
     */
    started: Type.Optional(
      Type.Object(
        {
          pid: Type.Integer({ minimum: 1 }),
          seconds: Type.Number({ minimum: 0, maximum: 31_536_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * How long the payload ran (spawn to exit) and how long before this report it exited, as the
     * pilot measured them: the server dates the attempt from these, so the clocks need not agree.
     */
    ran: Type.Optional(
      Type.Object(
        {
          seconds: Type.Number({ minimum: 0, maximum: 31_536_000 }),
          endedSecondsAgo: Type.Number({ minimum: 0, maximum: 31_536_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Claim this pilot's next job in the same request, without waiting (BullMQ's fetch-next):
     * the reply's `next` is what a claim with `wait: 0` would have answered.
     */
    next: Type.Optional(Type.Object({ beat: ClaimBody.properties.beat }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type FinishJobBody = Static<typeof FinishJobBody>;

export const FinishJobReply = Type.Object({
  state: JobStateSchema,
  /** Present when the finish asked for it (`next`). */
  next: Type.Optional(ClaimReply),
});
export type FinishJobReply = Static<typeof FinishJobReply>;

export const PilotList = Type.Object({
  pilots: Type.Array(PilotSchema),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});
export type PilotList = Static<typeof PilotList>;

export const PilotListQuery = Type.Object(
  {
    state: Type.Optional(Type.String({ maxLength: 100, description: 'comma-separated states' })),
    site: Type.Optional(Type.String({ maxLength: 64 })),
    host: Type.Optional(Type.String({ maxLength: 255 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Offset),
  },
  { additionalProperties: false },
);
export type PilotListQuery = Static<typeof PilotListQuery>;
