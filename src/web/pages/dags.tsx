// /dags and /dags/:name: the stored DAG templates, and one template drawn as a graph with its
// vertices (jobs to run) and edges (the files between them).

import { NOOP_JOBTYPE } from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import { ROUTES, routePath } from '../../protocol/routes.ts';
import type { DagDetailWire, DagInfoWire } from '../../protocol/schemas/workflows.ts';
import {
  Card,
  Dash,
  Empty,
  KeyValues,
  Live,
  Maybe,
  missingPage,
  NotAvailable,
  PageHead,
  Table,
  Time,
} from '../components.tsx';
import { DagSvg } from '../dag-graph.tsx';
import { formatCount, formatDuration } from '../format.ts';
import { isMissingRoute } from '../monitor-api.ts';
import type { PageContext, PageResult } from '../page.ts';

export async function dagsPage(ctx: PageContext): Promise<PageResult> {
  let dags: DagInfoWire[] | undefined;
  try {
    dags = (await ctx.api.listDags()).dags;
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
  }
  return {
    title: 'DAGs',
    nav: 'dags',
    body: (
      <>
        <PageHead title="DAG templates" />
        {!dags ? (
          <NotAvailable what="DAG templates" />
        ) : (
          <Live url="/dags" json={ROUTES.dags} now={ctx.now}>
            {dags.length === 0 ? (
              <Empty>
                <h2>No DAG templates yet</h2>
                <p>
                  Add one from a GraphML file with <code>p3s dag add file.graphml</code>.
                </p>
              </Empty>
            ) : (
              <Table
                columns={[
                  'Name',
                  'Description',
                  ['Vertices', 'num'],
                  ['Edges', 'num'],
                  ['Workflows', 'num'],
                  'User',
                  'Updated',
                ]}
              >
                {dags.map((d) => (
                  <tr key={d.name}>
                    <td>
                      <a href={`/dags/${encodeURIComponent(d.name)}`}>{d.name}</a>
                    </td>
                    <td>
                      <Maybe value={d.description} />
                    </td>
                    <td class="num">{d.vertices}</td>
                    <td class="num">{d.edges}</td>
                    <td class="num">
                      {d.workflows > 0 ? (
                        <a href={`/workflows?dag=${encodeURIComponent(d.name)}`}>
                          {formatCount(d.workflows)}
                        </a>
                      ) : (
                        0
                      )}
                    </td>
                    <td>{d.user}</td>
                    <td>
                      <Time ms={d.updatedAt} />
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </Live>
        )}
      </>
    ),
  };
}

export async function dagPage(ctx: PageContext): Promise<PageResult> {
  const name = ctx.params.name ?? '';
  let detail: DagDetailWire | undefined;
  let missing = false;
  try {
    detail = await ctx.api.getDag(name);
  } catch (error) {
    if (isMissingRoute(error)) missing = true;
    else if (!(error instanceof ApiError && (error.status === 404 || error.status === 400))) throw error;
  }
  if (!detail) {
    return missingPage({
      nav: 'dags',
      heading: `DAG ${name}`,
      message: `There is no DAG template named ${name}.`,
      list: { href: '/dags', label: 'All DAGs' },
      unavailable: missing ? 'DAG templates' : undefined,
    });
  }
  const { dag, vertices, edges } = detail;
  const svgVertices = vertices.map((v) => ({
    id: v.name,
    label: v.name,
    sub: v.jobtype,
    noop: v.jobtype === NOOP_JOBTYPE,
  }));
  const svgEdges = edges.map((e) => ({
    from: e.source,
    to: e.target,
    title: `${e.name}${e.datatype ? ` (${e.datatype})` : ''}`,
  }));
  return {
    title: `DAG ${dag.name}`,
    nav: 'dags',
    body: (
      <>
        <PageHead
          title={
            <>
              DAG <span class="subtitle">{dag.name}</span>
            </>
          }
        >
          <a href={routePath(ROUTES.dagGraphml, { name: dag.name })}>GraphML</a>
        </PageHead>
        <Live
          url={`/dags/${encodeURIComponent(dag.name)}`}
          json={routePath(ROUTES.dag, { name: dag.name })}
          now={ctx.now}
        >
          <Card title="Graph">
            <DagSvg layoutKey={`dag:${dag.name}:${dag.updatedAt}`} vertices={svgVertices} edges={svgEdges} />
          </Card>
          <div class="grid-2">
            <Card title="Template">
              <KeyValues
                rows={[
                  ['description', <Maybe key="d" value={dag.description} />],
                  ['user', dag.user],
                  ['vertices', dag.vertices],
                  ['edges', dag.edges],
                  ['sources', detail.sources.join(', ')],
                  ['sinks', detail.sinks.join(', ')],
                  [
                    'workflows',
                    dag.workflows > 0 ? (
                      <a key="w" href={`/workflows?dag=${encodeURIComponent(dag.name)}`}>
                        {dag.workflows}
                      </a>
                    ) : (
                      0
                    ),
                  ],
                  ['added', <Time key="c" ms={dag.createdAt} />],
                  ['updated', <Time key="u" ms={dag.updatedAt} />],
                ]}
              />
            </Card>
            <Card title="Vertices">
              <Table columns={['name', 'type', 'payload', ['limit', 'num'], ['prio', 'num']]}>
                {vertices.map((v) => (
                  <tr key={v.name}>
                    <td>{v.name}</td>
                    <td>{v.jobtype}</td>
                    <td class="path">
                      <code>{v.payload}</code>
                    </td>
                    <td class="num">{v.timelimit ? formatDuration(v.timelimit * 1000) : '—'}</td>
                    <td class="num">{v.priority}</td>
                  </tr>
                ))}
              </Table>
            </Card>
          </div>
          <Card title="Edges (files)">
            <Table columns={[['#', 'num'], 'from → to', 'name', 'dirpath', 'datatype', 'datatag', 'comment']}>
              {edges.map((e) => (
                <tr key={e.index}>
                  <td class="num">{e.index}</td>
                  <td>
                    {e.source} → {e.target}
                  </td>
                  <td>
                    <code>{e.name}</code>
                  </td>
                  <td class="path">
                    <Maybe value={e.dirpath} />
                  </td>
                  <td>
                    <Maybe value={e.datatype} />
                  </td>
                  <td>{e.datatag ? <code>${e.datatag}</code> : <Dash />}</td>
                  <td>
                    <Maybe value={e.comment} />
                  </td>
                </tr>
              ))}
            </Table>
          </Card>
        </Live>
      </>
    ),
  };
}
