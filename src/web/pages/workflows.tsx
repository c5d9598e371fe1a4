// /workflows: workflows with their jobs' progress, filtered by state, DAG and user, paged.

import { JOB_STATES } from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import { ROUTES } from '../../protocol/routes.ts';
import type { WorkflowList, WorkflowWire } from '../../protocol/schemas/workflows.ts';
import {
  Empty,
  ErrorBanner,
  Live,
  NotAvailable,
  PageHead,
  Pager,
  PartLink,
  StateBadge,
  StateBar,
  Time,
} from '../components.tsx';
import { formatCount } from '../format.ts';
import { apiUrl, isMissingRoute } from '../monitor-api.ts';
import { int, many, one, type PageContext, type PageResult, pageUrl } from '../page.ts';

export const WORKFLOW_STATES = ['template', 'defined', 'running', 'finished', 'failed', 'cancelled'] as const;

export async function workflowsPage(ctx: PageContext): Promise<PageResult> {
  const view = {
    states: many(ctx.query, 'state'),
    dag: one(ctx.query, 'dag'),
    user: one(ctx.query, 'user'),
    limit: Math.min(int(ctx.query, 'limit', 1) ?? 50, 1000),
    offset: int(ctx.query, 'offset') ?? 0,
  };
  const urlOf = (change: Partial<typeof view> = {}) => {
    const v = { ...view, ...change };
    return pageUrl('/workflows', {
      state: v.states.join(','),
      dag: v.dag,
      user: v.user,
      limit: v.limit === 50 ? undefined : v.limit,
      offset: v.offset || undefined,
    });
  };
  const query = {
    state: view.states.join(',') || undefined,
    dag: view.dag,
    user: view.user,
    limit: view.limit,
    offset: view.offset,
  };
  let list: WorkflowList | undefined;
  let problem: string | undefined;
  let missing = false;
  try {
    list = await ctx.api.listWorkflows(query);
  } catch (error) {
    if (isMissingRoute(error)) missing = true;
    else if (error instanceof ApiError && error.status === 400) problem = error.message;
    else throw error;
  }
  return {
    title: 'Workflows',
    nav: 'workflows',
    url: urlOf(),
    body: (
      <>
        <PageHead title="Workflows" />
        {missing ? (
          <NotAvailable what="workflows" />
        ) : (
          <div id="workflows">
            <form
              class="filters"
              action="/workflows"
              method="get"
              hx-get="/workflows"
              hx-trigger="change, submit"
              hx-sync="this:replace"
              hx-target="#workflows"
              hx-select="#workflows"
              hx-swap="outerHTML"
              hx-push-url="true"
            >
              <fieldset class="states">
                <legend>State</legend>
                {WORKFLOW_STATES.map((state) => (
                  <label key={state} class={`chip state-${state}`}>
                    <input type="checkbox" name="state" value={state} checked={view.states.includes(state)} />
                    {state}
                  </label>
                ))}
              </fieldset>
              <div class="fields">
                <label>
                  DAG
                  <input type="search" name="dag" value={view.dag ?? ''} />
                </label>
                <label>
                  User
                  <input type="search" name="user" value={view.user ?? ''} />
                </label>
                <button type="submit">Filter</button>
                <PartLink href="/workflows" target="workflows" class="clear">
                  clear
                </PartLink>
              </div>
            </form>
            <Live url={urlOf()} json={apiUrl(ROUTES.workflows, query)} now={ctx.now}>
              {problem !== undefined && <ErrorBanner message={problem} />}
              {list && list.total === 0 && (
                <Empty>
                  <h2>
                    No workflows
                    {view.states.length || view.dag || view.user ? ' match these filters' : ' yet'}
                  </h2>
                  <p>
                    Add a DAG from GraphML with <code>p3s dag add file.graphml</code>, then run it with{' '}
                    <code>p3s workflow create NAME -s defined</code>.
                  </p>
                </Empty>
              )}
              {list && list.total > 0 && (
                <>
                  <div class="table-head">
                    <strong>{formatCount(list.total)}</strong> {list.total === 1 ? 'workflow' : 'workflows'}
                    <Pager
                      total={list.total}
                      limit={view.limit}
                      offset={view.offset}
                      href={(offset) => urlOf({ offset })}
                      target="workflows"
                    />
                  </div>
                  <WorkflowTable workflows={list.workflows} />
                </>
              )}
            </Live>
          </div>
        )}
      </>
    ),
  };
}

export function WorkflowTable({ workflows }: { workflows: WorkflowWire[] }) {
  return (
    <div class="table-wrap">
      <table class="workflows">
        <thead>
          <tr>
            <th class="num">ID</th>
            <th>Name</th>
            <th>DAG</th>
            <th>State</th>
            <th>Jobs</th>
            <th class="progress">Progress</th>
            <th>User</th>
            <th>Created</th>
            <th>Ended</th>
          </tr>
        </thead>
        <tbody>
          {workflows.map((w) => (
            <tr key={w.id} data-workflow={w.id} data-state={w.state}>
              <td class="num">
                <a href={`/workflows/${w.id}`}>{w.id}</a>
              </td>
              <td>
                <a href={`/workflows/${w.id}`}>{w.name}</a>
              </td>
              <td>
                <a href={`/dags/${encodeURIComponent(w.dag)}`}>{w.dag}</a>
              </td>
              <td>
                <StateBadge state={w.state} />
              </td>
              <td class="num">
                {w.counts.finished ?? 0}/{w.counts.total ?? 0}
              </td>
              <td class="progress">
                <StateBar counts={w.counts} states={JOB_STATES} />
              </td>
              <td>{w.user}</td>
              <td>
                <Time ms={w.createdAt} />
              </td>
              <td>
                <Time ms={w.endedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
