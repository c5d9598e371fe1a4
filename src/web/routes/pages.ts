// The monitor's pages: path → handler (docs/guides/monitor.md lists them), each read as the viewer.

import type { FastifyInstance } from 'fastify';
import type { PageHandler, PageResult } from '../page.ts';
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
import type { ViewerKit } from './viewer.tsx';

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
        const ctx = kit.contextOf(request, session);
        let result: PageResult;
        try {
          result = await handler(ctx);
        } catch (error) {
          result = kit.failure(error, request);
        }
        return kit.send(request, reply, result, ctx.target, session);
      }),
    );
  }
}
