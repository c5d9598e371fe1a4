// /datasets: data files, the ones workflows produce (one per edge) and those registered on their
// own, filtered by workflow, name, datatype and state.

import { ApiError } from '../../protocol/client.ts';
import { ROUTES } from '../../protocol/routes.ts';
import type { DatasetList } from '../../protocol/schemas/workflows.ts';
import {
  Empty,
  ErrorBanner,
  Live,
  Maybe,
  NotAvailable,
  PageHead,
  Pager,
  PartLink,
  StateBadge,
  Time,
} from '../components.tsx';
import { formatCount } from '../format.ts';
import { apiUrl, isMissingRoute } from '../monitor-api.ts';
import { int, one, type PageContext, type PageResult, pageUrl } from '../page.ts';

export async function datasetsPage(ctx: PageContext): Promise<PageResult> {
  const view = {
    workflow: int(ctx.query, 'workflow', 1),
    name: one(ctx.query, 'name'),
    datatype: one(ctx.query, 'datatype'),
    state: one(ctx.query, 'state'),
    limit: Math.min(int(ctx.query, 'limit', 1) ?? 50, 1000),
    offset: int(ctx.query, 'offset') ?? 0,
  };
  const urlOf = (change: Partial<typeof view> = {}) => {
    const v = { ...view, ...change };
    return pageUrl('/datasets', {
      workflow: v.workflow,
      name: v.name,
      datatype: v.datatype,
      state: v.state,
      limit: v.limit === 50 ? undefined : v.limit,
      offset: v.offset || undefined,
    });
  };
  const query = { ...view };
  let list: DatasetList | undefined;
  let problem: string | undefined;
  let missing = false;
  try {
    list = await ctx.api.listDatasets(query);
  } catch (error) {
    if (isMissingRoute(error)) missing = true;
    else if (error instanceof ApiError && error.status === 400) problem = error.message;
    else throw error;
  }
  const field = (name: keyof typeof view, label: string, placeholder = '') => (
    <label>
      {label}
      <input type="search" name={name} value={view[name] ?? ''} placeholder={placeholder} />
    </label>
  );
  return {
    title: 'Datasets',
    nav: 'datasets',
    url: urlOf(),
    body: (
      <>
        <PageHead title="Datasets" />
        {missing ? (
          <NotAvailable what="datasets" />
        ) : (
          <div id="datasets">
            <form
              class="filters"
              action="/datasets"
              method="get"
              hx-get="/datasets"
              hx-trigger="change, submit"
              hx-sync="this:replace"
              hx-target="#datasets"
              hx-select="#datasets"
              hx-swap="outerHTML"
              hx-push-url="true"
            >
              <div class="fields">
                {field('name', 'Name')}
                {field('workflow', 'Workflow', 'id')}
                {field('datatype', 'Datatype')}
                {field('state', 'State')}
                <button type="submit">Filter</button>
                <PartLink href="/datasets" target="datasets" class="clear">
                  clear
                </PartLink>
              </div>
            </form>
            <Live url={urlOf()} json={apiUrl(ROUTES.datasets, query)} now={ctx.now} every="5s">
              {problem !== undefined && <ErrorBanner message={problem} />}
              {list && list.total === 0 && (
                <Empty>
                  <h2>
                    No datasets
                    {view.name || view.workflow || view.datatype || view.state
                      ? ' match these filters'
                      : ' yet'}
                  </h2>
                  <p>
                    Workflows create one per edge of their DAG; <code>p3s dataset register NAME</code> records
                    one on its own.
                  </p>
                </Empty>
              )}
              {list && list.total > 0 && (
                <>
                  <div class="table-head">
                    <strong>{formatCount(list.total)}</strong> {list.total === 1 ? 'dataset' : 'datasets'}
                    <Pager
                      total={list.total}
                      limit={view.limit}
                      offset={view.offset}
                      href={(offset) => urlOf({ offset })}
                      target="datasets"
                    />
                  </div>
                  <div class="table-wrap">
                    <table class="datasets">
                      <thead>
                        <tr>
                          <th class="num">ID</th>
                          <th>Path</th>
                          <th>Datatype</th>
                          <th>State</th>
                          <th>Workflow</th>
                          <th>From → to</th>
                          <th>User</th>
                          <th>Updated</th>
                        </tr>
                      </thead>
                      <tbody>
                        {list.datasets.map((d) => (
                          <tr key={d.id}>
                            <td class="num">{d.id}</td>
                            <td title={d.comment || undefined}>
                              <code>{d.path}</code>
                            </td>
                            <td>
                              <Maybe value={d.datatype} />
                            </td>
                            <td>
                              <StateBadge state={d.state} />
                            </td>
                            <td>
                              {d.workflowId === null ? (
                                <span class="muted">—</span>
                              ) : (
                                <a href={`/workflows/${d.workflowId}`}>{d.workflowId}</a>
                              )}
                            </td>
                            <td>
                              {d.sourceJobId !== null ? (
                                <a href={`/jobs/${d.sourceJobId}`}>{d.source}</a>
                              ) : (
                                <Maybe value={d.source} />
                              )}
                              {' → '}
                              {d.targetJobId !== null ? (
                                <a href={`/jobs/${d.targetJobId}`}>{d.target}</a>
                              ) : (
                                <Maybe value={d.target} />
                              )}
                            </td>
                            <td>{d.user}</td>
                            <td>
                              <Time ms={d.updatedAt} />
                            </td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              )}
            </Live>
          </div>
        )}
      </>
    ),
  };
}
