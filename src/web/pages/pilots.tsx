// /pilots: the pilots the server knows (host, site, owner, PID, batch id, state, last heartbeat,
// jobs run, current job), filtered by state, site and host, paged.

import { PILOT_STATES } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import type { PilotWire } from '../../protocol/schemas/pilots.ts';
import { Dash, Empty, Live, Maybe, PageHead, StateBadge, Table, Time } from '../components.tsx';
import { formatDuration, shortId } from '../format.ts';
import { FilterForm, ListResults } from '../list-view.tsx';
import { apiUrl, loadList } from '../monitor-api.ts';
import { many, one, type PageContext, type PageResult, pageUrl, pagingParams, readPaging } from '../page.ts';

export async function pilotsPage(ctx: PageContext): Promise<PageResult> {
  const view = {
    states: many(ctx.query, 'state'),
    site: one(ctx.query, 'site'),
    host: one(ctx.query, 'host'),
    ...readPaging(ctx.query),
  };
  const urlOf = (change: Partial<typeof view> = {}) => {
    const v = { ...view, ...change };
    return pageUrl('/pilots', { state: v.states.join(','), site: v.site, host: v.host, ...pagingParams(v) });
  };
  const query = {
    state: view.states.join(',') || undefined,
    site: view.site,
    host: view.host,
    limit: view.limit,
    offset: view.offset,
  };
  const { list, problem } = await loadList(() => ctx.api.listPilots(query));
  const filtered = view.states.length > 0 || view.site !== undefined || view.host !== undefined;
  return {
    title: 'Pilots',
    nav: 'pilots',
    url: urlOf(),
    body: (
      <>
        <PageHead title="Pilots" />
        <div id="pilots">
          <FilterForm
            path="/pilots"
            target="pilots"
            states={{ all: PILOT_STATES, selected: view.states }}
            fields={[
              { name: 'site', label: 'Site', value: view.site },
              { name: 'host', label: 'Host', value: view.host },
            ]}
          />
          <Live url={urlOf()} json={apiUrl(ROUTES.pilots, query)} now={ctx.now}>
            <ListResults
              list={list}
              problem={problem}
              noun="pilot"
              paging={{
                limit: view.limit,
                offset: view.offset,
                href: (offset) => urlOf({ offset }),
                target: 'pilots',
              }}
              empty={
                <Empty>
                  {filtered ? (
                    <p>No pilot matches these filters.</p>
                  ) : (
                    <>
                      <h2>No pilots yet</h2>
                      <p>
                        Start some on this machine with <code>p3s pilots start -n 4</code> (or everything with{' '}
                        <code>p3s up</code>); on a worker node run <code>p3s pilot --server URL</code>.
                      </p>
                    </>
                  )}
                </Empty>
              }
              table={(l) => <PilotTable pilots={l.pilots} now={ctx.now} />}
            />
          </Live>
        </div>
      </>
    ),
  };
}

export function PilotTable({ pilots, now }: { pilots: PilotWire[]; now: number }) {
  return (
    <Table
      class="pilots"
      columns={[
        ['ID', 'num'],
        'UUID',
        'Host',
        'Site',
        'Owner',
        ['PID', 'num'],
        'Batch id',
        'State',
        'Last heartbeat',
        ['Jobs run', 'num'],
        'Current job',
        'Up since',
      ]}
    >
      {pilots.map((p) => (
        <tr key={p.id} data-pilot={p.id} data-state={p.state}>
          <td class="num">
            <a href={`/pilots/${p.id}`}>{p.id}</a>
          </td>
          <td>
            <a href={`/pilots/${p.id}`} title={p.uuid}>
              <code>{shortId(p.uuid)}</code>
            </a>
          </td>
          <td>{p.host}</td>
          <td>
            <Maybe value={p.site} />
          </td>
          <td title="the name of the token that registered it">
            <Maybe value={p.owner} />
          </td>
          <td class="num">{p.pid}</td>
          <td>
            <Maybe value={p.batchId} />
          </td>
          <td>
            <StateBadge state={p.state} />
            {p.stopRequested && p.state !== 'stopped' ? <span class="note"> stop requested</span> : null}
          </td>
          <td>
            <Time ms={p.lastSeenAt} format="ago" />
          </td>
          <td class="num">{p.jobsRun}</td>
          <td>
            {p.currentJobId === null ? <Dash /> : <a href={`/jobs/${p.currentJobId}`}>{p.currentJobId}</a>}
          </td>
          <td title={formatDuration((p.endedAt ?? now) - p.registeredAt)}>
            <Time ms={p.registeredAt} />
          </td>
        </tr>
      ))}
    </Table>
  );
}
