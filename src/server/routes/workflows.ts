// Workflow routes: create from a stored DAG (instantiated here with fileinfo and jobinfo, stored in
// one transaction), list, show with jobs and files, start, cancel, retry, delete.

import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { isWorkflowState, NotFoundError } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { IdParams, OkBody } from '../../protocol/schemas/common.ts';
import {
  CreateWorkflowBody,
  WorkflowDetailSchema,
  WorkflowList,
  WorkflowListQuery,
  WorkflowQuery,
  WorkflowReply,
} from '../../protocol/schemas/workflows.ts';
import { versionOf } from '../../protocol/version.ts';
import { instantiateWorkflow } from '../../workflow/index.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { actorOf, ownerFor, requireManage } from '../auth/auth-guard.ts';
import { jobsAsSeen } from '../auth/redaction.ts';
import { idempotencyKeyOf, markReplayed } from '../idempotency.ts';
import { hangUpOf, holdUntil } from '../long-poll.ts';
import { parseStateList } from './query-parsing.ts';

export function registerWorkflowRoutes(app: TypedApp, ctx: AppContext): void {
  const store = ctx.store.workflows;

  app.post(
    ROUTES.workflows,
    { schema: { body: CreateWorkflowBody, response: { 201: WorkflowDetailSchema } } },
    async (request, reply) => {
      const body = request.body;
      const dag = await store.getDag(body.dag);
      if (!dag) throw new NotFoundError('DAG', body.dag);
      const instance = instantiateWorkflow(dag.template, {
        fileinfo: body.fileinfo,
        jobinfo: body.jobinfo,
        datatypes: await store.listDatatypes(),
        newId: randomUUID,
        dagName: dag.name,
        ...(body.dirpath === undefined ? {} : { dirpath: body.dirpath }),
      });
      const input = {
        dag: dag.name,
        name: body.name ?? dag.name,
        description: body.description ?? '',
        user: ownerFor(request, body.user),
        state: body.state ?? 'template',
        ...instance,
      };
      const key = idempotencyKeyOf(request, 'workflow', ctx.now());
      const { value: detail, replayed } = key
        ? await store.createWorkflowOnce(input, ctx.now(), key)
        : { value: await store.createWorkflow(input, ctx.now()), replayed: false };
      if (replayed) {
        markReplayed(reply);
        return reply.status(201).send(versioned(detail));
      }
      await ctx.audit(request, {
        action: 'workflow.create',
        objectType: 'workflow',
        objectId: detail.workflow.id,
        detail: `from DAG ${dag.name}, ${detail.jobs.length} jobs`,
      });
      return reply.status(201).send(versioned({ ...detail, jobs: jobsAsSeen(request, detail.jobs) }));
    },
  );

  app.get(
    ROUTES.workflows,
    { schema: { querystring: WorkflowListQuery, response: { 200: WorkflowList } } },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      const filter = {
        states: parseStateList(q.state, isWorkflowState, 'workflow'),
        dag: q.dag,
        user: q.user,
      };
      const { workflows, total } = await store.listWorkflows(filter, limit, offset);
      return { workflows, total, limit, offset };
    },
  );

  app.get(
    ROUTES.workflow,
    { schema: { params: IdParams, querystring: WorkflowQuery, response: { 200: WorkflowDetailSchema } } },
    async (request, reply) => {
      const { id } = request.params;
      const look = async () => {
        const detail = await store.getWorkflow(id);
        if (!detail) throw new NotFoundError('workflow', id);
        return versioned({ ...detail, jobs: jobsAsSeen(request, detail.jobs) });
      };
      const { wait, seen } = request.query;
      return holdUntil(ctx.changes, wait, look, (detail) => detail.version !== seen, hangUpOf(reply));
    },
  );

  /** Checks the caller may manage the workflow (404 first: ids are not secret). */
  const ownWorkflow = async (request: FastifyRequest, id: number) => {
    const detail = await store.getWorkflow(id);
    if (!detail) throw new NotFoundError('workflow', id);
    requireManage(request, detail.workflow.user, `workflow ${id}`);
  };

  const actions = {
    start: (id: number, actor: string) => store.startWorkflow(id, actor, ctx.now()),
    cancel: (id: number, actor: string) => store.cancelWorkflow(id, actor, ctx.now()),
    retry: (id: number, actor: string) => store.retryWorkflow(id, actor, ctx.now()),
  };
  const paths = {
    start: ROUTES.workflowStart,
    cancel: ROUTES.workflowCancel,
    retry: ROUTES.workflowRetry,
  };
  for (const action of ['start', 'cancel', 'retry'] as const) {
    app.post(
      paths[action],
      { schema: { params: IdParams, response: { 200: WorkflowReply } } },
      async (request) => {
        const { id } = request.params;
        await ownWorkflow(request, id);
        const workflow = await actions[action](id, actorOf(request));
        await ctx.audit(request, { action: `workflow.${action}`, objectType: 'workflow', objectId: id });
        return { workflow };
      },
    );
  }

  app.delete(
    ROUTES.workflow,
    { schema: { params: IdParams, response: { 200: OkBody } } },
    async (request) => {
      const { id } = request.params;
      await ownWorkflow(request, id);
      await store.deleteWorkflow(id);
      await ctx.audit(request, { action: 'workflow.delete', objectType: 'workflow', objectId: id });
      return { ok: true as const };
    },
  );
}

/**
 * A workflow's detail with its version (long-poll.ts): it follows the workflow's state and counts
 * and each job's state and attempt, not what every heartbeat moves (leases, metrics).
 */
function versioned<D extends WorkflowDetail>(detail: D): D & { version: string } {
  const { workflow, jobs } = detail;
  const shown = {
    state: workflow.state,
    counts: workflow.counts,
    jobs: jobs.map((j) => [j.id, j.state, j.attempt]),
  };
  return { ...detail, version: versionOf(shown) };
}

interface WorkflowDetail {
  workflow: { state: string; counts: unknown };
  jobs: { id: number; state: string; attempt: number }[];
}
