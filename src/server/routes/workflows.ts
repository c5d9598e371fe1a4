// Workflow routes: create from a stored DAG (instantiated here with fileinfo and jobinfo, stored in
// one transaction), list, show with jobs and files, start, cancel, retry, delete.

import { randomUUID } from 'node:crypto';
import { isWorkflowState, NotFoundError } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { IdParams, OkBody } from '../../protocol/schemas/common.ts';
import {
  CreateWorkflowBody,
  WorkflowDetailSchema,
  WorkflowList,
  WorkflowListQuery,
  WorkflowReply,
} from '../../protocol/schemas/workflows.ts';
import { instantiateWorkflow } from '../../workflow/index.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { parseStateList } from './query-parsing.ts';
import { actorOf } from './request-identity.ts';

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
      });
      const detail = await store.createWorkflow(
        {
          dag: dag.name,
          name: body.name ?? dag.name,
          description: body.description ?? '',
          user: actorOf(request, body.user),
          state: body.state ?? 'template',
          ...instance,
        },
        ctx.now(),
      );
      return reply.status(201).send(detail);
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
    { schema: { params: IdParams, response: { 200: WorkflowDetailSchema } } },
    async (request) => {
      const detail = await store.getWorkflow(request.params.id);
      if (!detail) throw new NotFoundError('workflow', request.params.id);
      return detail;
    },
  );

  app.post(
    ROUTES.workflowStart,
    { schema: { params: IdParams, response: { 200: WorkflowReply } } },
    async (request) => ({
      workflow: await store.startWorkflow(request.params.id, actorOf(request), ctx.now()),
    }),
  );

  app.post(
    ROUTES.workflowCancel,
    { schema: { params: IdParams, response: { 200: WorkflowReply } } },
    async (request) => ({
      workflow: await store.cancelWorkflow(request.params.id, actorOf(request), ctx.now()),
    }),
  );

  app.post(
    ROUTES.workflowRetry,
    { schema: { params: IdParams, response: { 200: WorkflowReply } } },
    async (request) => ({
      workflow: await store.retryWorkflow(request.params.id, actorOf(request), ctx.now()),
    }),
  );

  app.delete(
    ROUTES.workflow,
    { schema: { params: IdParams, response: { 200: OkBody } } },
    async (request) => {
      await store.deleteWorkflow(request.params.id);
      return { ok: true as const };
    },
  );
}
