// /datasets: data files, the ones workflows produce (one per edge) and those registered on their
// own, filtered by workflow, name, datatype and state.

import { ROUTES } from '../../protocol/routes.ts';
import type { DatasetWire } from '../../protocol/schemas/workflows.ts';
import { Dash, Empty, Live, Maybe, NotAvailable, PageHead, StateBadge, Table, Time } from '../components.tsx';
import { FilterForm, ListResults } from '../list-view.tsx';
import { apiUrl, loadList } from '../monitor-api.ts';
import { int, one, type PageContext, type PageResult, pageUrl, pagingParams, readPaging } from '../page.ts';

export async function datasetsPage(ctx: PageContext): Promise<PageResult> {
  const view = {
    workflow: int(ctx.query, 'workflow', 1),
    name: one(ctx.query, 'name'),
    datatype: one(ctx.query, 'datatype'),
    state: one(ctx.query, 'state'),
    ...readPaging(ctx.query),
  };
  const urlOf = (change: Partial<typeof view> = {}) => {
    const v = { ...view, ...change };
    return pageUrl('/datasets', {
      workflow: v.workflow,
      name: v.name,
      datatype: v.datatype,
      state: v.state,
      ...pagingParams(v),
    });
  };
  const query = { ...view };
  const { list, problem, missing } = await loadList(() => ctx.api.listDatasets(query), { optional: true });
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
            <FilterForm
              path="/datasets"
              target="datasets"
              fields={[
                { name: 'name', label: 'Name', value: view.name },
                { name: 'workflow', label: 'Workflow', value: view.workflow, placeholder: 'id' },
                { name: 'datatype', label: 'Datatype', value: view.datatype },
                { name: 'state', label: 'State', value: view.state },
              ]}
            />
            <Live url={urlOf()} json={apiUrl(ROUTES.datasets, query)} now={ctx.now}>
              <ListResults
                list={list}
                problem={problem}
                noun="dataset"
                paging={{
                  limit: view.limit,
                  offset: view.offset,
                  href: (offset) => urlOf({ offset }),
                  target: 'datasets',
                }}
                empty={
                  <Empty>
                    <h2>
                      No datasets
                      {view.name || view.workflow || view.datatype || view.state
                        ? ' match these filters'
                        : ' yet'}
                    </h2>
                    <p>
                      Workflows create one per edge of their DAG; <code>p3s dataset register NAME</code>{' '}
                      records one on its own.
                    </p>
                  </Empty>
                }
                table={(l) => <DatasetTable datasets={l.datasets} />}
              />
            </Live>
          </div>
        )}
      </>
    ),
  };
}

function DatasetTable({ datasets }: { datasets: DatasetWire[] }) {
  return (
    <Table
      class="datasets"
      columns={[['ID', 'num'], 'Path', 'Datatype', 'State', 'Workflow', 'From → to', 'User', 'Updated']}
    >
      {datasets.map((d) => (
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
            {d.workflowId === null ? <Dash /> : <a href={`/workflows/${d.workflowId}`}>{d.workflowId}</a>}
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
    </Table>
  );
}
