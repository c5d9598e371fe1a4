// DAG template and datatype routes: add (GraphML checked line by line, datatypes included), list,
// show (vertices, edges, a text rendering), export GraphML, delete; datatypes add/list/delete.

import { Type } from 'typebox';
import { NotFoundError, sinks, sources } from '../../core/index.ts';
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
import { actorOf } from './request-identity.ts';

export function registerDagRoutes(app: TypedApp, ctx: AppContext): void {
  const store = ctx.store.workflows;

  app.post(
    ROUTES.dags,
    { schema: { body: AddDagBody, response: { 201: Type.Object({ dag: DagInfoSchema }) } } },
    async (request, reply) => {
      const { name, graphml, description, replace } = request.body;
      const datatypes = (await store.listDatatypes()).map((t) => t.name);
      const template = parseDagGraphml(graphml, { datatypes });
      const dag = await store.addDag(
        {
          name,
          graphml,
          template,
          description: description ?? '',
          user: actorOf(request, request.body.user),
        },
        { replace: replace === true },
        ctx.now(),
      );
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
      await store.deleteDag(request.params.name, { force: request.query.force === true });
      return { ok: true as const };
    },
  );

  // P3S datatype JSON, e.g. {"name":"TXT","ext":".txt","comment":"testing text files"}; re-adding updates it.
  app.post(
    ROUTES.datatypes,
    { schema: { body: Type.Unknown(), response: { 200: PutDatatypeReply, 201: PutDatatypeReply } } },
    async (request, reply) => {
      const result = await store.putDatatype(parseDatatype(request.body), ctx.now());
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
      return { ok: true as const };
    },
  );
}
