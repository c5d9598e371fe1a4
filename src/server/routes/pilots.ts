// Pilot management routes: register, list, show, stop (on request), deregister.

import { Type } from 'typebox';
import { AppError, ForbiddenError, mayServeSite, NotFoundError } from '../../core/index.ts';
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
import { principalOf, requirePilotDriver } from '../auth/auth-guard.ts';
import { parseStateList } from './query-parsing.ts';
import { afterPilotRegistered } from './workers.ts';

const PilotReply = Type.Object({ pilot: PilotSchema });
const PilotUuidParams = Type.Object({ id: UuidParams.properties.uuid }, { additionalProperties: false });

export function registerPilotRoutes(app: TypedApp, ctx: AppContext): void {
  const { store, config } = ctx;

  app.post(
    ROUTES.pilots,
    { schema: { body: RegisterPilotBody, response: { 201: RegisterPilotReply } } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!mayServeSite(principal, request.body.site))
        throw new ForbiddenError(
          `the token "${principal.name}" is for site ${principal.site}; it cannot register a pilot for ${
            request.body.site === null ? 'no site' : `site ${request.body.site}`
          }`,
        );
      const existing = await store.getPilot(request.body.uuid);
      if (existing) requirePilotDriver(request, existing);
      const pilot = await store.registerPilot(request.body, ctx.now(), {
        tokenId: principal.tokenId,
        name: principal.name,
      });
      await afterPilotRegistered(ctx, pilot);
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
    async (request) => {
      const pilot = await store.requestPilotStop(idOrUuid(request.params.id));
      await ctx.audit(request, { action: 'pilot.stop', objectType: 'pilot', objectId: pilot.id });
      return { pilot };
    },
  );

  app.post(
    ROUTES.pilotDeregister,
    { schema: { params: PilotUuidParams, response: { 200: PilotReply } } },
    async (request) => {
      await requireOwnPilot(ctx, request, request.params.id);
      return { pilot: await store.deregisterPilot(request.params.id, ctx.now()) };
    },
  );
}

/** A pilot is addressed by its numeric id or its uuid. */
export function idOrUuid(text: string): number | string {
  return /^[0-9]+$/.test(text) ? Number(text) : text;
}

/** Which token registered each pilot: fixed at registration, so safe to cache (a heartbeat costs no read). */
const pilotTokens = new WeakMap<
  AppContext,
  Map<string, { id: number; uuid: string; tokenId: number | null }>
>();
const MAX_CACHED_PILOTS = 100_000;

/** The pilot `uuid`, after checking the caller's token registered it (pilot_unknown when there is none). */
export async function requireOwnPilot(
  ctx: AppContext,
  request: Parameters<typeof requirePilotDriver>[0],
  uuid: string,
): Promise<{ id: number; uuid: string; tokenId: number | null }> {
  let cache = pilotTokens.get(ctx);
  if (!cache) {
    cache = new Map();
    pilotTokens.set(ctx, cache);
  }
  let pilot = cache.get(uuid);
  if (!pilot) {
    const found = await ctx.store.getPilot(uuid);
    if (!found) throw new AppError('pilot_unknown', `pilot ${uuid} is not registered`);
    pilot = { id: found.id, uuid: found.uuid, tokenId: found.tokenId };
    if (cache.size >= MAX_CACHED_PILOTS) cache.clear();
    cache.set(uuid, pilot);
  }
  requirePilotDriver(request, pilot);
  return pilot;
}
