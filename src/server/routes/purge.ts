// The purge route (admins only): one page of old jobs, pilots or workflows, never running work.

import { parseDuration } from '../../core/duration.ts';
import { ValidationError } from '../../core/errors.ts';
import { PURGE_BATCH_DEFAULT, purgeStates } from '../../core/retention.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { PurgeBody, PurgeReply } from '../../protocol/schemas/purge.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { actorOf } from '../auth/auth-guard.ts';

export function registerPurgeRoutes(app: TypedApp, ctx: AppContext): void {
  app.post(ROUTES.purge, { schema: { body: PurgeBody, response: { 200: PurgeReply } } }, async (request) => {
    const body = request.body;
    const age = parseDuration(body.olderThan);
    if (!age.ok)
      throw new ValidationError(`/body/olderThan: ${age.message}`, [
        { path: '/body/olderThan', message: age.message },
      ]);
    const states = purgeStates(body.what, body.states);
    if (!states.ok)
      throw new ValidationError(`/body/states: ${states.message}`, [
        { path: '/body/states', message: states.message },
      ]);
    const before = ctx.now() - age.seconds * 1000;
    const dryRun = body.dryRun === true;
    const result = await ctx.store.retention.purge({
      what: body.what,
      before,
      states: states.states,
      ...(body.ids === undefined ? {} : { ids: body.ids }),
      afterId: body.afterId ?? 0,
      limit: body.limit ?? PURGE_BATCH_DEFAULT,
      dryRun,
      withRecords: body.records === true,
    });
    if (!dryRun && result.ids.length > 0) {
      request.log.info(
        { what: body.what, count: result.ids.length, olderThan: body.olderThan, actor: actorOf(request) },
        'purged',
      );
      await ctx.audit(request, {
        action: 'purge',
        objectType: body.what,
        detail: `${result.ids.length} ${body.what} older than ${body.olderThan} (ids ${result.ids[0]}…${result.ids[result.ids.length - 1]})`,
      });
    }
    return { what: body.what, before, states: states.states, dryRun, ...result };
  });
}
