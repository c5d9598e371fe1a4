// User-facing job routes: submit, list, show, logs, kill, retry, adjust, delete.

import { Type } from 'typebox';
import { readLog } from '../../core/capped-log.ts';
import { type FieldIssue, NotFoundError, PayloadTooLargeError, ValidationError } from '../../core/errors.ts';
import { applyEnvPatch, parseEnvPatch, parseJobSpecs } from '../../core/job-spec.ts';
import { isJobState, isTerminalJobState, type JobState } from '../../core/job-state.ts';
import { oversizedEnvs, tooManyJobs } from '../../core/limits.ts';
import { lostPayloadWarning } from '../../core/pilot-decisions.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { IdParams, OkBody } from '../../protocol/schemas/common.ts';
import {
  AdjustJobBody,
  JobDetailSchema,
  JobList,
  JobListQuery,
  JobProgressQuery,
  JobProgressSchema,
  type JobProgressWire,
  JobSchema,
  KillJobReply,
  LogQuery,
  LogSliceSchema,
  type LogSliceWire,
  MAX_JOB_PAGE,
  SubmitJobsBody,
} from '../../protocol/schemas/jobs.ts';
import type { JobFilter } from '../../store/store.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { actorOf, ownerFor, requireManage } from '../auth/auth-guard.ts';
import { jobAsSeen, jobsAsSeen } from '../auth/redaction.ts';
import { idempotencyKeyOf, markReplayed } from '../idempotency.ts';
import { hangUpOf, holdUntil } from '../long-poll.ts';
import { parseErrorFilter, parseIdList, parseStateList } from './query-parsing.ts';

const JobReply = Type.Object({ job: JobSchema });
/** A retry's answer; `warning` when the job's last payload may still be running (core/pilot-decisions.ts). */
const RetryReply = Type.Object({ job: JobSchema, warning: Type.Optional(Type.String()) });
const DEFAULT_LOG_SLICE = 256 * 1024;

/** The order of a job list that names none: newest first. */
const NEWEST_FIRST = { sort: 'id', order: 'desc' } as const;

export function registerJobRoutes(app: TypedApp, ctx: AppContext): void {
  const { store } = ctx;

  app.post(
    ROUTES.jobs,
    { schema: { body: SubmitJobsBody, response: { 201: Type.Object({ jobs: Type.Array(JobSchema) }) } } },
    async (request, reply) => {
      const user = ownerFor(request, request.body.user);
      const many = tooManyJobs(request.body.jobs.length, ctx.config.maxJobsPerSubmission, '/body/jobs');
      if (many) throw new PayloadTooLargeError(`${many.path}: ${many.message}`, [many]);
      const parsed = parseJobSpecs(request.body.jobs, '/jobs');
      if (!parsed.ok) {
        const first = parsed.issues[0];
        throw new ValidationError(`${first?.path}: ${first?.message}`, parsed.issues);
      }
      const big = oversizedEnvs(
        parsed.specs.map((s) => s.env),
        ctx.config.maxEnvBytes,
        (i) => `/jobs/${i}`,
      );
      if (big.length > 0) throw new PayloadTooLargeError(`${big[0]?.path}: ${big[0]?.message}`, big);
      const key = idempotencyKeyOf(request, 'jobs', ctx.now());
      const { value: jobs, replayed } = key
        ? await store.submitJobsOnce(parsed.specs, user, ctx.now(), key)
        : { value: await store.submitJobs(parsed.specs, user, ctx.now()), replayed: false };
      // A re-send of a submission with its key: the first answer again, nothing new to audit.
      if (replayed) {
        markReplayed(reply);
        return reply.status(201).send({ jobs });
      }
      const ids = jobs.map((j) => j.id);
      await ctx.audit(request, {
        action: 'job.submit',
        objectType: 'job',
        objectId: ids.length === 1 ? ids[0] : null,
        detail: ids.length === 1 ? `as ${user}` : `${ids.length} jobs (${idRange(ids)}) as ${user}`,
      });
      return reply.status(201).send({ jobs: jobsAsSeen(request, jobs) });
    },
  );

  app.get(
    ROUTES.jobs,
    { schema: { querystring: JobListQuery, response: { 200: JobList } } },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      const filter: JobFilter = {
        ids: q.ids === undefined ? undefined : parseIdList(q.ids),
        states: parseStateList(q.state, isJobState, 'job'),
        user: q.user,
        jobtype: q.jobtype,
        site: q.site,
        namePattern: q.name,
        workflowId: q.workflow,
        pilotId: q.pilot,
        errorName: parseErrorFilter(q.error),
        window:
          q.since === undefined && q.until === undefined
            ? undefined
            : { field: q.time ?? 'updated', since: q.since, until: q.until },
      };
      const { jobs, total, totalExact } = await store.listJobs({
        filter,
        sort: q.sort ?? NEWEST_FIRST.sort,
        order: q.order ?? (q.sort ? 'asc' : NEWEST_FIRST.order),
        limit,
        offset,
        countUpTo: q.countUpTo,
      });
      return { jobs: jobsAsSeen(request, jobs), total, totalExact, limit, offset };
    },
  );

  app.get(
    ROUTES.job,
    { schema: { params: IdParams, response: { 200: JobDetailSchema } } },
    async (request) => {
      const detail = await store.getJobDetail(request.params.id);
      if (!detail) throw new NotFoundError('job', request.params.id);
      return { ...detail, job: jobAsSeen(request, detail.job) };
    },
  );

  app.get(
    ROUTES.jobLogs,
    { schema: { params: IdParams, querystring: LogQuery, response: { 200: LogSliceSchema } } },
    async (request, reply) => {
      const { id } = request.params;
      const look = () => logSlice(id, request.query);
      let first: number | undefined;
      // Something to say: new bytes, the log's end, or a new attempt's log (a retry started).
      const news = (slice: LogSliceWire) => {
        first ??= slice.attempt;
        return slice.data !== '' || slice.complete || slice.attempt !== first;
      };
      return holdUntil(ctx.changes, request.query.wait, look, news, hangUpOf(reply));
    },
  );

  app.get(
    ROUTES.jobsProgress,
    { schema: { querystring: JobProgressQuery, response: { 200: JobProgressSchema } } },
    async (request, reply) => {
      const ids = [...new Set(parseIdList(request.query.ids))];
      const withJobs = request.query.jobs === true;
      if (withJobs && ids.length > MAX_JOB_PAGE)
        throw new ValidationError(`jobs=true: at most ${MAX_JOB_PAGE} ids, not ${ids.length}`, [
          { path: '/querystring/ids', message: `at most ${MAX_JOB_PAGE} ids with jobs=true` },
        ]);
      const look = async (): Promise<JobProgressWire> => {
        const counts = await store.stats.jobStates(ids);
        const found = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
        const ended = Object.entries(counts).every(
          ([state, n]) => !n || isTerminalJobState(state as JobState),
        );
        const progress = { counts, missing: ids.length - found, ended };
        if (!ended || !withJobs) return progress;
        // The jobs as the list route gives them for ?ids= (its default order, the caller's view); a
        // limit past the ids keeps the page short, so no count is run (totalOfPage).
        const page = await store.listJobs({
          filter: { ids },
          ...NEWEST_FIRST,
          limit: ids.length + 1,
          offset: 0,
        });
        return { ...progress, jobs: jobsAsSeen(request, page.jobs) };
      };
      return holdUntil(ctx.changes, request.query.wait, look, (progress) => progress.ended, hangUpOf(reply));
    },
  );

  /** One slice of a job attempt's log, as the logs route answers it. */
  const logSlice = async (id: number, query: LogQuery): Promise<LogSliceWire> => {
    const job = await store.getJob(id);
    if (!job) throw new NotFoundError('job', id);
    const attempt = query.attempt ?? job.attempt;
    if (attempt > job.attempt)
      throw new ValidationError(`job ${id} has no attempt ${attempt} yet`, [
        { path: '/querystring/attempt', message: `at most ${job.attempt}` },
      ]);
    const stream = query.stream ?? 'out';
    const log = await store.getLog(id, attempt, stream);
    const from = query.offset ?? 0;
    const slice = log
      ? readLog(log, from, query.limit ?? DEFAULT_LOG_SLICE)
      : { offset: from, data: Buffer.alloc(0), nextOffset: from, omittedBefore: 0 };
    const totalBytes = log?.totalBytes ?? 0;
    const ended = attempt < job.attempt || isTerminalJobState(job.state);
    return {
      jobId: id,
      attempt,
      stream,
      offset: slice.offset,
      nextOffset: slice.nextOffset,
      omittedBefore: slice.omittedBefore,
      totalBytes,
      keptBytes: log ? log.head.length + log.tail.length : 0,
      data: slice.data.toString('utf8'),
      complete: ended && slice.nextOffset >= totalBytes,
      jobState: job.state,
    };
  };

  /** The job, after checking the caller may manage it (404 before 403: ids are not secret). */
  const ownJob = async (request: Parameters<typeof requireManage>[0], id: number) => {
    const job = await store.getJob(id);
    if (!job) throw new NotFoundError('job', id);
    requireManage(request, job.user, `job ${id}`);
    return job;
  };

  app.post(
    ROUTES.jobKill,
    { schema: { params: IdParams, response: { 200: KillJobReply } } },
    async (request) => {
      const { id } = request.params;
      await ownJob(request, id);
      const result = await store.killJob(id, actorOf(request), ctx.now());
      await ctx.audit(request, { action: 'job.kill', objectType: 'job', objectId: id });
      return { ...result, job: jobAsSeen(request, result.job) };
    },
  );

  app.post(
    ROUTES.jobRetry,
    { schema: { params: IdParams, response: { 200: RetryReply } } },
    async (request) => {
      const { id } = request.params;
      const before = await ownJob(request, id);
      const pilot = before.pilotId === null ? undefined : await store.getPilot(before.pilotId);
      const warning = lostPayloadWarning({ ...before, jobId: id, pilot: pilot ?? null });
      const job = await store.retryJob(id, actorOf(request), ctx.now());
      await ctx.audit(request, {
        action: 'job.retry',
        objectType: 'job',
        objectId: id,
        detail: `attempt ${job.attempt}`,
      });
      const seen = jobAsSeen(request, job);
      return warning === null ? { job: seen } : { job: seen, warning };
    },
  );

  app.patch(
    ROUTES.job,
    { schema: { params: IdParams, body: AdjustJobBody, response: { 200: JobReply } } },
    async (request) => {
      const { id } = request.params;
      const issues: FieldIssue[] = [];
      const patch = parseEnvPatch(request.body.env, '/body/env', issues);
      if (issues.length > 0) throw new ValidationError(`${issues[0]?.path}: ${issues[0]?.message}`, issues);
      const current = await ownJob(request, id);
      if (patch) {
        const merged = applyEnvPatch(current.env, patch);
        const big = oversizedEnvs([merged], ctx.config.maxEnvBytes, () => '/body');
        if (big.length > 0) throw new PayloadTooLargeError(`${big[0]?.path}: ${big[0]?.message}`, big);
      }
      const job = await store.adjustJob(id, request.body, actorOf(request), ctx.now());
      await ctx.audit(request, {
        action: 'job.adjust',
        objectType: 'job',
        objectId: id,
        detail: `changed ${Object.keys(request.body).join(', ')}`,
      });
      return { job: jobAsSeen(request, job) };
    },
  );

  app.delete(ROUTES.job, { schema: { params: IdParams, response: { 200: OkBody } } }, async (request) => {
    const { id } = request.params;
    await ownJob(request, id);
    await store.deleteJob(id, actorOf(request));
    await ctx.audit(request, { action: 'job.delete', objectType: 'job', objectId: id });
    return { ok: true as const };
  });
}

/** The first and last id of a submission, for the audit entry. */
function idRange(ids: number[]): string {
  const first = ids[0];
  const last = ids[ids.length - 1];
  return ids.length === 0 ? 'none' : `${first}…${last}`;
}
