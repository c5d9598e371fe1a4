// /workflows/:id: one workflow drawn as its DAG with every vertex coloured by its job's state,
// refreshed live, each vertex linking to its job; its files and jobs below.

import { JOB_STATES, NOOP_JOBTYPE } from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import { ROUTES, routePath } from '../../protocol/routes.ts';
import type { WorkflowDetailWire } from '../../protocol/schemas/workflows.ts';
import {
  Card,
  KeyValues,
  Live,
  Maybe,
  missingPage,
  PageHead,
  StateBadge,
  StateBar,
  Table,
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
    return missingPage({
      nav: 'workflows',
      heading: `Workflow ${ctx.params.id}`,
      message: `There is no workflow ${ctx.params.id}.`,
      list: { href: '/workflows', label: 'All workflows' },
      unavailable: missing ? 'workflows' : undefined,
    });
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
          <Card title="Graph">
            <DagSvg layoutKey={`workflow:${workflow.id}`} vertices={vertices} edges={edges} />
          </Card>
          <div class="grid-2">
            <Card title="Workflow">
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
            </Card>
            <Card title="Files">
              {files.length === 0 ? (
                <p class="muted">No files.</p>
              ) : (
                <Table columns={['from → to', 'state', 'path']}>
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
                </Table>
              )}
            </Card>
          </div>
          <Card title="Jobs">
            <JobTable jobs={jobs} now={ctx.now} />
          </Card>
        </Live>
      </>
    ),
  };
}
