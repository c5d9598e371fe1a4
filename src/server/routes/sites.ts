// Site routes: define (insert or replace) a P3S site record, list, show, delete.

import { mayReadSite } from '../../core/auth.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { parseSiteSpec } from '../../core/site-spec.ts';
import { ROUTES } from '../../protocol/routes.ts';
import { OkBody } from '../../protocol/schemas/common.ts';
import {
  DefineSiteBody,
  DefineSiteReply,
  SiteList,
  SiteNameParams,
  SiteReply,
} from '../../protocol/schemas/sites.ts';
import type { AppContext, TypedApp } from '../app.ts';
import { siteAsSeen } from '../auth/redaction.ts';

export function registerSiteRoutes(app: TypedApp, ctx: AppContext): void {
  const { sites } = ctx.store;

  app.post(
    ROUTES.sites,
    { schema: { body: DefineSiteBody, response: { 200: DefineSiteReply, 201: DefineSiteReply } } },
    async (request, reply) => {
      const parsed = parseSiteSpec(request.body.site, '/site');
      if (!parsed.ok) {
        const first = parsed.issues[0];
        throw new ValidationError(`${first?.path}: ${first?.message}`, parsed.issues);
      }
      const defined = await sites.defineSite(parsed.site, ctx.now());
      await ctx.audit(request, {
        action: defined.created ? 'site.create' : 'site.change',
        objectType: 'site',
        objectId: defined.site.name,
      });
      return reply.status(defined.created ? 201 : 200).send(defined);
    },
  );

  app.get(ROUTES.sites, { schema: { response: { 200: SiteList } } }, async (request) => ({
    sites: (await sites.listSites()).map((site) => siteAsSeen(request, site)),
  }));

  app.get(
    ROUTES.site,
    { schema: { params: SiteNameParams, response: { 200: SiteReply } } },
    async (request) => {
      // A pilot token reads only its own site's settings.
      if (!mayReadSite(request.principal, request.params.name))
        throw new ForbiddenError(`a pilot token for site ${request.principal?.site} cannot read other sites`);
      const site = await sites.getSite(request.params.name);
      if (!site) throw new NotFoundError('site', request.params.name);
      return { site: siteAsSeen(request, site) };
    },
  );

  app.delete(
    ROUTES.site,
    { schema: { params: SiteNameParams, response: { 200: OkBody } } },
    async (request) => {
      if (!(await sites.deleteSite(request.params.name)))
        throw new NotFoundError('site', request.params.name);
      await ctx.audit(request, { action: 'site.delete', objectType: 'site', objectId: request.params.name });
      return { ok: true as const };
    },
  );
}
