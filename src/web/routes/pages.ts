// The monitor's pages: path → handler (docs/guides/monitor.md lists them), each read as the viewer;
// a live region's request for its page is held until that region changes (live.tsx).

import type { FastifyInstance } from 'fastify';
import { LOOK_GAP_MS, liveAsk, spaced } from '../live.tsx';
import type { PageHandler, RawQuery } from '../page.ts';
import { auditPage } from '../pages/audit.tsx';
import { dagPage, dagsPage } from '../pages/dags.tsx';
import { datasetsPage } from '../pages/datasets.tsx';
import { jobPage } from '../pages/job.tsx';
import { jobsPage } from '../pages/jobs.tsx';
import { overviewPage } from '../pages/overview.tsx';
import { pilotPage } from '../pages/pilot.tsx';
import { pilotsPage } from '../pages/pilots.tsx';
import { retryRulesPage } from '../pages/retry-rules.tsx';
import { sitesPage } from '../pages/sites.tsx';
import { workerPage, workersPage } from '../pages/workers.tsx';
import { workflowPage } from '../pages/workflow.tsx';
import { workflowsPage } from '../pages/workflows.tsx';
import { header, isHtmx, type RenderedPage, type ViewerKit } from './viewer.tsx';

export const PAGES: Record<string, PageHandler> = {
  '/': overviewPage,
  '/jobs': jobsPage,
  '/jobs/:id': (ctx) => jobPage(ctx),
  '/pilots': pilotsPage,
  '/pilots/:id': pilotPage,
  '/workflows': workflowsPage,
  '/workflows/:id': workflowPage,
  '/dags': dagsPage,
  '/dags/:name': dagPage,
  '/datasets': datasetsPage,
  '/sites': sitesPage,
  '/retry-rules': retryRulesPage,
  '/workers': workersPage,
  '/workers/:id': workerPage,
  '/audit': auditPage,
};

export function registerPages(scope: FastifyInstance, kit: ViewerKit): void {
  for (const [path, handler] of Object.entries(PAGES)) {
    scope.get(
      path,
      kit.asViewer(async (request, reply, session) => {
        // Each look reads afresh (and stamps its own time).
        const look = () => kit.page(request, session, handler);
        const target = header(request, 'hx-target') ?? null;
        const ask = liveAsk(request.query as RawQuery, target, isHtmx(request), kit.live.waitSeconds);
        if (ask === undefined || kit.options.hold === undefined) return kit.deliver(reply, await look());
        // A live region's request: held until its page reads differently (live.tsx).
        const differs = (page: RenderedPage) => page.version !== ask.seen;
        return kit.deliver(
          reply,
          await kit.options.hold(reply, ask.waitSeconds, spaced(look, LOOK_GAP_MS), differs),
        );
      }),
    );
  }
}
