// DAG template and datatype routes: add (GraphML checked line by line, datatypes included), list,
// show (vertices, edges, a text rendering), export GraphML, delete; datatypes add/list/delete.

import { Type } from 'typebox';
import { ForbiddenError, NotFoundError, sinks, sources } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { OkBody } from '../../protocol/schemas/common.ts';
import {
  AddDagBody,
  DagDetailSchema,
  DagGraphmlQuery,
  DagGraphmlReply,
  DagInfoSchema,
  DatatypeList,
  DeleteDagQuery,
  NameParams,
  PutDatatypeReply,
} from '../../protocol/schemas/workflows.ts';
import { parseDagGraphml, parseDatatype, renderDag, writeDagGraphml } from '../../workflow/index.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { ownerFor, principalOf, requireManage } from '../auth/auth-guard.ts';

export function registerDagRoutes(app: TypedApp, ctx: AppContext): void {
  const store = ctx.store.workflows;

  app.post(
    ROUTES.dags,
    { schema: { body: AddDagBody, response: { 201: Type.Object({ dag: DagInfoSchema }) } } },
    async (request, reply) => {
      const { name, graphml, description, replace } = request.body;
      const user = ownerFor(request, request.body.user);
      const existing = await store.getDag(name);
      if (existing && replace === true) requireManage(request, existing.user, `DAG ${name}`);
      const datatypes = (await store.listDatatypes()).map((t) => t.name);
      const template = parseDagGraphml(graphml, { datatypes });
      const dag = await store.addDag(
        {
          name,
          graphml,
          template,
          description: description ?? '',
          user,
        },
        { replace: replace === true },
        ctx.now(),
      );
      await ctx.audit(request, {
        action: existing && replace === true ? 'dag.replace' : 'dag.add',
        objectType: 'dag',
        objectId: name,
      });
      return reply.status(201).send({ dag });
    },
  );

  app.get(
    ROUTES.dags,
    { schema: { response: { 200: Type.Object({ dags: Type.Array(DagInfoSchema) }) } } },
    async () => ({
      dags: await store.listDags(),
    }),
  );

  app.get(
    ROUTES.dag,
    { schema: { params: NameParams, response: { 200: DagDetailSchema } } },
    async (request) => {
      const stored = await store.getDag(request.params.name);
      if (!stored) throw new NotFoundError('DAG', request.params.name);
      const { template, graphml: _graphml, ...dag } = stored;
      return {
        dag,
        vertices: template.vertices,
        edges: template.edges,
        sources: sources(template),
        sinks: sinks(template),
        rendering: renderDag(template),
      };
    },
  );

  app.get(
    ROUTES.dagGraphml,
    { schema: { params: NameParams, querystring: DagGraphmlQuery, response: { 200: DagGraphmlReply } } },
    async (request) => {
      const stored = await store.getDag(request.params.name);
      if (!stored) throw new NotFoundError('DAG', request.params.name);
      const graphml = request.query.normalized ? writeDagGraphml(stored.template) : stored.graphml;
      return { name: stored.name, graphml };
    },
  );

  app.delete(
    ROUTES.dag,
    { schema: { params: NameParams, querystring: DeleteDagQuery, response: { 200: OkBody } } },
    async (request) => {
      const { name } = request.params;
      const existing = await store.getDag(name);
      if (!existing) throw new NotFoundError('DAG', name);
      requireManage(request, existing.user, `DAG ${name}`);
      await store.deleteDag(name, { force: request.query.force === true });
      await ctx.audit(request, {
        action: 'dag.delete',
        objectType: 'dag',
        objectId: name,
        detail: request.query.force === true ? 'forced' : null,
      });
      return { ok: true as const };
    },
  );

  // P3S datatype JSON, e.g. {"name":"TXT","ext":".txt","comment":"testing text files"}; re-adding updates it.
  app.post(
    ROUTES.datatypes,
    { schema: { body: Type.Unknown(), response: { 200: PutDatatypeReply, 201: PutDatatypeReply } } },
    async (request, reply) => {
      const datatype = parseDatatype(request.body);
      const existing = (await store.listDatatypes()).find((t) => t.name === datatype.name);
      const changes = existing && (existing.ext !== datatype.ext || existing.comment !== datatype.comment);
      // Datatypes are shared by every DAG: only an admin may change one (re-adding it unchanged is fine).
      if (changes && principalOf(request).role !== 'admin')
        throw new ForbiddenError(
          `datatype ${datatype.name} exists with other values; only an admin may change it`,
        );
      const result = await store.putDatatype(datatype, ctx.now());
      if (result.created || changes)
        await ctx.audit(request, {
          action: result.created ? 'datatype.add' : 'datatype.change',
          objectType: 'datatype',
          objectId: datatype.name,
        });
      return reply.status(result.created ? 201 : 200).send(result);
    },
  );

  app.get(ROUTES.datatypes, { schema: { response: { 200: DatatypeList } } }, async () => ({
    datatypes: await store.listDatatypes(),
  }));

  app.delete(
    ROUTES.datatype,
    { schema: { params: NameParams, response: { 200: OkBody } } },
    async (request) => {
      await store.deleteDatatype(request.params.name);
      await ctx.audit(request, {
        action: 'datatype.delete',
        objectType: 'datatype',
        objectId: request.params.name,
      });
      return { ok: true as const };
    },
  );
}
