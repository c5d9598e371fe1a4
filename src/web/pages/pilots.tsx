// /pilots: the pilots the server knows (host, site, PID, batch id, state, last heartbeat, jobs
// run, current job), filtered by state, site and host, paged.

import { PILOT_STATES } from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import { ROUTES } from '../../protocol/routes.ts';
import type { PilotList, PilotWire } from '../../protocol/schemas/pilots.ts';
import {
  Empty,
  ErrorBanner,
  Live,
  Maybe,
  PageHead,
  Pager,
  PartLink,
  StateBadge,
  Time,
} from '../components.tsx';
import { formatCount, formatDuration, shortId } from '../format.ts';
import { apiUrl } from '../monitor-api.ts';
import { int, many, one, type PageContext, type PageResult, pageUrl } from '../page.ts';

export async function pilotsPage(ctx: PageContext): Promise<PageResult> {
  const view = {
    states: many(ctx.query, 'state'),
    site: one(ctx.query, 'site'),
    host: one(ctx.query, 'host'),
    limit: Math.min(int(ctx.query, 'limit', 1) ?? 50, 1000),
    offset: int(ctx.query, 'offset') ?? 0,
  };
  const urlOf = (change: Partial<typeof view> = {}) => {
    const v = { ...view, ...change };
    return pageUrl('/pilots', {
      state: v.states.join(','),
      site: v.site,
      host: v.host,
      limit: v.limit === 50 ? undefined : v.limit,
      offset: v.offset || undefined,
    });
  };
  const query = {
    state: view.states.join(',') || undefined,
    site: view.site,
    host: view.host,
    limit: view.limit,
    offset: view.offset,
  };
  let list: PilotList | undefined;
  let problem: string | undefined;
  try {
    list = await ctx.api.listPilots(query);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    problem = error.message;
  }
  const filtered = view.states.length > 0 || view.site !== undefined || view.host !== undefined;
  return {
    title: 'Pilots',
    nav: 'pilots',
    url: urlOf(),
    body: (
      <>
        <PageHead title="Pilots" />
        <div id="pilots">
          <form
            class="filters"
            action="/pilots"
            method="get"
            hx-get="/pilots"
            hx-trigger="change, submit"
            hx-sync="this:replace"
            hx-target="#pilots"
            hx-select="#pilots"
            hx-swap="outerHTML"
            hx-push-url="true"
          >
            <fieldset class="states">
              <legend>State</legend>
              {PILOT_STATES.map((state) => (
                <label key={state} class={`chip state-${state}`}>
                  <input type="checkbox" name="state" value={state} checked={view.states.includes(state)} />
                  {state}
                </label>
              ))}
            </fieldset>
            <div class="fields">
              <label>
                Site
                <input type="search" name="site" value={view.site ?? ''} />
              </label>
              <label>
                Host
                <input type="search" name="host" value={view.host ?? ''} />
              </label>
              <button type="submit">Filter</button>
              <PartLink href="/pilots" target="pilots" class="clear">
                clear
              </PartLink>
            </div>
          </form>
          <Live url={urlOf()} json={apiUrl(ROUTES.pilots, query)} now={ctx.now}>
            {problem !== undefined && <ErrorBanner message={problem} />}
            {list && list.total === 0 && (
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
            )}
            {list && list.total > 0 && (
              <>
                <div class="table-head">
                  <strong>{formatCount(list.total)}</strong> {list.total === 1 ? 'pilot' : 'pilots'}
                  <Pager
                    total={list.total}
                    limit={view.limit}
                    offset={view.offset}
                    href={(offset) => urlOf({ offset })}
                    target="pilots"
                  />
                </div>
                <PilotTable pilots={list.pilots} now={ctx.now} />
              </>
            )}
          </Live>
        </div>
      </>
    ),
  };
}

export function PilotTable({ pilots, now }: { pilots: PilotWire[]; now: number }) {
  return (
    <div class="table-wrap">
      <table class="pilots">
        <thead>
          <tr>
            <th class="num">ID</th>
            <th>UUID</th>
            <th>Host</th>
            <th>Site</th>
            <th class="num">PID</th>
            <th>Batch id</th>
            <th>State</th>
            <th>Last heartbeat</th>
            <th class="num">Jobs run</th>
            <th>Current job</th>
            <th>Up since</th>
          </tr>
        </thead>
        <tbody>
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
                {p.currentJobId === null ? (
                  <span class="muted">—</span>
                ) : (
                  <a href={`/jobs/${p.currentJobId}`}>{p.currentJobId}</a>
                )}
              </td>
              <td title={formatDuration((p.endedAt ?? now) - p.registeredAt)}>
                <Time ms={p.registeredAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
