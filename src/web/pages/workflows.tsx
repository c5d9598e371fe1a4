// /workflows: workflows with their jobs' progress, filtered by state, DAG and user, paged.

import { WORKFLOW_STATES } from '../../core/dag/readiness.ts';
import { JOB_STATES } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import type { WorkflowWire } from '../../protocol/schemas/workflows.ts';
import { Empty, Live, NotAvailable, PageHead, StateBadge, StateBar, Table, Time } from '../components.tsx';
import { FilterForm, ListResults } from '../list-view.tsx';
import { apiUrl, loadList } from '../monitor-api.ts';
import { many, one, type PageContext, type PageResult, pageUrl, pagingParams, readPaging } from '../page.ts';

export { WORKFLOW_STATES };

export async function workflowsPage(ctx: PageContext): Promise<PageResult> {
  const view = {
    states: many(ctx.query, 'state'),
    dag: one(ctx.query, 'dag'),
    user: one(ctx.query, 'user'),
    ...readPaging(ctx.query),
  };
  const urlOf = (change: Partial<typeof view> = {}) => {
    const v = { ...view, ...change };
    return pageUrl('/workflows', { state: v.states.join(','), dag: v.dag, user: v.user, ...pagingParams(v) });
  };
  const query = {
    state: view.states.join(',') || undefined,
    dag: view.dag,
    user: view.user,
    limit: view.limit,
    offset: view.offset,
  };
  const { list, problem, missing } = await loadList(() => ctx.api.listWorkflows(query), { optional: true });
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
            <FilterForm
              path="/workflows"
              target="workflows"
              states={{ all: WORKFLOW_STATES, selected: view.states }}
              fields={[
                { name: 'dag', label: 'DAG', value: view.dag },
                { name: 'user', label: 'User', value: view.user },
              ]}
            />
            <Live url={urlOf()} json={apiUrl(ROUTES.workflows, query)} now={ctx.now}>
              <ListResults
                list={list}
                problem={problem}
                noun="workflow"
                paging={{
                  limit: view.limit,
                  offset: view.offset,
                  href: (offset) => urlOf({ offset }),
                  target: 'workflows',
                }}
                empty={
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
                }
                table={(l) => <WorkflowTable workflows={l.workflows} />}
              />
            </Live>
          </div>
        )}
      </>
    ),
  };
}

export function WorkflowTable({ workflows }: { workflows: WorkflowWire[] }) {
  return (
    <Table
      class="workflows"
      columns={[
        ['ID', 'num'],
        'Name',
        'DAG',
        'State',
        'Jobs',
        ['Progress', 'progress'],
        'User',
        'Created',
        'Ended',
      ]}
    >
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
    </Table>
  );
}
