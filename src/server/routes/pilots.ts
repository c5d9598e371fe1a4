// Pilot management routes: register, list, show, stop (on request), deregister.

import { Type } from 'typebox';
import { NotFoundError } from '../../core/errors.ts';
import { isPilotState } from '../../core/pilot-state.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { IdOrUuidParams, UuidParams } from '../../protocol/schemas/common.ts';
import {
  PilotList,
  PilotListQuery,
  PilotSchema,
  RegisterPilotBody,
  RegisterPilotReply,
} from '../../protocol/schemas/pilots.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { parseStateList } from './query-parsing.ts';

const PilotReply = Type.Object({ pilot: PilotSchema });
const PilotUuidParams = Type.Object({ id: UuidParams.properties.uuid }, { additionalProperties: false });

export function registerPilotRoutes(app: TypedApp, ctx: AppContext): void {
  const { store, config } = ctx;

  app.post(
    ROUTES.pilots,
    { schema: { body: RegisterPilotBody, response: { 201: RegisterPilotReply } } },
    async (request, reply) => {
      const pilot = await store.registerPilot(request.body, ctx.now());
      return reply.status(201).send({
        pilot,
        config: {
          maxClaimWait: config.maxClaimWaitSeconds,
          leaseSeconds: config.leaseSeconds,
          logHeadBytes: config.logHeadBytes,
          logTailBytes: config.logTailBytes,
        },
      });
    },
  );

  app.get(
    ROUTES.pilots,
    { schema: { querystring: PilotListQuery, response: { 200: PilotList } } },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 100;
      const offset = q.offset ?? 0;
      const { pilots, total } = await store.listPilots(
        { states: parseStateList(q.state, isPilotState, 'pilot'), site: q.site, host: q.host },
        limit,
        offset,
      );
      return { pilots, total, limit, offset };
    },
  );

  app.get(
    ROUTES.pilot,
    { schema: { params: IdOrUuidParams, response: { 200: PilotReply } } },
    async (request) => {
      const pilot = await store.getPilot(idOrUuid(request.params.id));
      if (!pilot) throw new NotFoundError('pilot', request.params.id);
      return { pilot };
    },
  );

  app.post(
    ROUTES.pilotStop,
    { schema: { params: IdOrUuidParams, response: { 200: PilotReply } } },
    async (request) => ({
      pilot: await store.requestPilotStop(idOrUuid(request.params.id)),
    }),
  );

  app.post(
    ROUTES.pilotDeregister,
    { schema: { params: PilotUuidParams, response: { 200: PilotReply } } },
    async (request) => ({ pilot: await store.deregisterPilot(request.params.id, ctx.now()) }),
  );
}

/** A pilot is addressed by its numeric id or its uuid. */
export function idOrUuid(text: string): number | string {
  return /^[0-9]+$/.test(text) ? Number(text) : text;
}
