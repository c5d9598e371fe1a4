// /workflows/:id: one workflow drawn as its DAG with every vertex coloured by its job's state,
// refreshed live, each vertex linking to its job; its files and jobs below.

import { JOB_STATES, NOOP_JOBTYPE } from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import { ROUTES, routePath } from '../../protocol/routes.ts';
import type { WorkflowDetailWire } from '../../protocol/schemas/workflows.ts';
import {
  Empty,
  KeyValues,
  Live,
  Maybe,
  NotAvailable,
  PageHead,
  StateBadge,
  StateBar,
  Time,
} from '../components.tsx';
import { DagSvg } from '../dag-graph.tsx';
import { formatDuration } from '../format.ts';
import { JobTable } from '../job-table.tsx';
import { isMissingRoute } from '../monitor-api.ts';
import type { PageContext, PageResult } from '../page.ts';

export async function workflowPage(ctx: PageContext): Promise<PageResult> {
  const id = Number(ctx.params.id);
  let detail: WorkflowDetailWire | undefined;
  let missing = false;
  if (Number.isSafeInteger(id) && id > 0) {
    try {
      detail = await ctx.api.getWorkflow(id);
    } catch (error) {
      if (isMissingRoute(error)) missing = true;
      else if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  }
  if (!detail) {
    return {
      title: `Workflow ${ctx.params.id}`,
      nav: 'workflows',
      status: missing ? 200 : 404,
      body: (
        <>
          <PageHead title={`Workflow ${ctx.params.id}`} />
          {missing ? (
            <NotAvailable what="workflows" />
          ) : (
            <Empty>
              <p>
                There is no workflow {ctx.params.id}. <a href="/workflows">All workflows</a>
              </p>
            </Empty>
          )}
        </>
      ),
    };
  }
  const { workflow, jobs, files } = detail;
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const vertices = jobs.map((j) => ({
    id: String(j.id),
    label: j.name,
    sub: j.jobtype === NOOP_JOBTYPE ? `noop · ${j.state}` : j.state,
    state: j.state,
    href: `/jobs/${j.id}`,
    noop: j.jobtype === NOOP_JOBTYPE,
  }));
  const edges = files
    .filter(
      (f) =>
        f.sourceJobId !== null &&
        f.targetJobId !== null &&
        byId.has(f.sourceJobId) &&
        byId.has(f.targetJobId),
    )
    .map((f) => ({ from: String(f.sourceJobId), to: String(f.targetJobId), title: f.path || f.name }));
  return {
    title: `Workflow ${workflow.id} ${workflow.name}`,
    nav: 'workflows',
    body: (
      <>
        <PageHead
          title={
            <>
              Workflow {workflow.id} <span class="subtitle">{workflow.name}</span>
            </>
          }
        />
        <Live
          url={`/workflows/${workflow.id}`}
          json={routePath(ROUTES.workflow, { id: workflow.id })}
          now={ctx.now}
          every="2s"
        >
          <div class="job-head">
            <StateBadge state={workflow.state} />
            <StateBar counts={workflow.counts} states={JOB_STATES} />
            <span class="legend">
              {JOB_STATES.filter((s) => (workflow.counts[s] ?? 0) > 0).map((s) => (
                <span key={s}>
                  <StateBadge state={s} /> {workflow.counts[s]}
                </span>
              ))}
            </span>
          </div>
          <section class="card">
            <h2>Graph</h2>
            <DagSvg layoutKey={`workflow:${workflow.id}`} vertices={vertices} edges={edges} />
          </section>
          <div class="grid-2">
            <section class="card">
              <h2>Workflow</h2>
              <KeyValues
                rows={[
                  [
                    'DAG',
                    <a key="d" href={`/dags/${encodeURIComponent(workflow.dag)}`}>
                      {workflow.dag}
                    </a>,
                  ],
                  ['user', workflow.user],
                  ['description', <Maybe key="x" value={workflow.description} />],
                  ['uuid', <code key="u">{workflow.uuid}</code>],
                  ['created', <Time key="c" ms={workflow.createdAt} />],
                  ['started', <Time key="s" ms={workflow.startedAt} />],
                  ['ended', <Time key="e" ms={workflow.endedAt} />],
                  [
                    'took',
                    workflow.startedAt === null
                      ? null
                      : formatDuration((workflow.endedAt ?? ctx.now) - workflow.startedAt),
                  ],
                ]}
              />
            </section>
            <section class="card">
              <h2>Files</h2>
              {files.length === 0 ? (
                <p class="muted">No files.</p>
              ) : (
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th>from → to</th>
                        <th>state</th>
                        <th>path</th>
                      </tr>
                    </thead>
                    <tbody>
                      {files.map((f) => (
                        <tr key={f.id}>
                          <td>
                            {f.source} → {f.target}
                          </td>
                          <td>
                            <StateBadge state={f.state} />
                          </td>
                          <td class="path">
                            <code>{f.path}</code>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          </div>
          <section class="card">
            <h2>Jobs</h2>
            <JobTable jobs={jobs} now={ctx.now} />
          </section>
        </Live>
      </>
    ),
  };
}
