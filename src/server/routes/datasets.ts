// Dataset routes: register a data file, list files (of a workflow, by name, datatype or state), show one.

import { Type } from 'typebox';
import { NotFoundError } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { IdParams } from '../../protocol/schemas/common.ts';
import {
  DatasetList,
  DatasetListQuery,
  DatasetSchema,
  RegisterDatasetBody,
} from '../../protocol/schemas/workflows.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { ownerFor } from '../auth/auth-guard.ts';

const DatasetReply = Type.Object({ dataset: DatasetSchema });

export function registerDatasetRoutes(app: TypedApp, ctx: AppContext): void {
  const store = ctx.store.workflows;

  app.post(
    ROUTES.datasets,
    { schema: { body: RegisterDatasetBody, response: { 201: DatasetReply } } },
    async (request, reply) => {
      const body = request.body;
      const dataset = await store.registerDataset(
        {
          name: body.name,
          // P3S registered files without a dirpath under `dummypath`; an empty one is clearer.
          dirpath: body.dirpath ?? '',
          datatype: body.datatype ?? '',
          state: body.state ?? 'defined',
          comment: body.comment ?? '',
          user: ownerFor(request, body.user),
        },
        ctx.now(),
      );
      await ctx.audit(request, {
        action: 'dataset.register',
        objectType: 'dataset',
        objectId: dataset.id,
        detail: dataset.name,
      });
      return reply.status(201).send({ dataset });
    },
  );

  app.get(
    ROUTES.datasets,
    { schema: { querystring: DatasetListQuery, response: { 200: DatasetList } } },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 50;
      const offset = q.offset ?? 0;
      const filter = { workflowId: q.workflow, name: q.name, datatype: q.datatype, state: q.state };
      const { datasets, total } = await store.listDatasets(filter, limit, offset);
      return { datasets, total, limit, offset };
    },
  );

  app.get(
    ROUTES.dataset,
    { schema: { params: IdParams, response: { 200: DatasetReply } } },
    async (request) => {
      const dataset = await store.getDataset(request.params.id);
      if (!dataset) throw new NotFoundError('dataset', request.params.id);
      return { dataset };
    },
  );
}
