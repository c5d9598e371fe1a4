// /sites: the site records (pilot defaults and payload env) with each site's live pilots and
// its queue, so an operator sees where work waits and who can take it.

import { ROUTES } from '../../protocol/routes.ts';
import type { SiteWire } from '../../protocol/schemas/sites.ts';
import type { QueueDepthWire } from '../../protocol/schemas/stats.ts';
import { Dash, Empty, Live, Maybe, NotAvailable, PageHead, Table, Time } from '../components.tsx';
import { formatCount, formatDuration } from '../format.ts';
import { isMissingRoute } from '../monitor-api.ts';
import type { PageContext, PageResult } from '../page.ts';

export async function sitesPage(ctx: PageContext): Promise<PageResult> {
  let sites: SiteWire[] | undefined;
  try {
    sites = (await ctx.api.listSites()).sites;
  } catch (error) {
    if (!isMissingRoute(error)) throw error;
  }
  if (!sites) {
    return {
      title: 'Sites',
      nav: 'sites',
      body: (
        <>
          <PageHead title="Sites" />
          <NotAvailable what="sites" />
        </>
      ),
    };
  }
  const [queue, pilots] = await Promise.all([
    ctx.api.statsQueue(),
    Promise.all(sites.map((s) => ctx.api.listPilots({ site: s.name, state: 'idle,running', limit: 1 }))),
  ]);
  return {
    title: 'Sites',
    nav: 'sites',
    body: (
      <>
        <PageHead title="Sites" />
        <Live url="/sites" json={ROUTES.sites} now={ctx.now}>
          {sites.length === 0 ? (
            <Empty>
              <h2>No sites defined</h2>
              <p>
                Pilots and jobs may still name a site. Define one from P3S site JSON with{' '}
                <code>p3s site define site.json</code> to give its pilots defaults and env.
              </p>
            </Empty>
          ) : (
            <Table
              class="sites"
              columns={[
                'Name',
                ['Live pilots', 'num'],
                ['Waiting jobs', 'num'],
                ['Running jobs', 'num'],
                ['Pilots per host', 'num'],
                ['Cycles', 'num'],
                ['Period', 'num'],
                ['Beat', 'num'],
                ['Life', 'num'],
                'Env',
                'Server',
                'Updated',
              ]}
            >
              {sites.map((site, i) => {
                const q = siteQueue(queue, site.name);
                const seconds = (n: number | null) => (n === null ? <Dash /> : formatDuration(n * 1000));
                return (
                  <tr key={site.name}>
                    <td>
                      <strong>{site.name}</strong>
                    </td>
                    <td class="num">
                      <a href={`/pilots?site=${encodeURIComponent(site.name)}&state=idle,running`}>
                        {formatCount(pilots[i]?.total ?? 0)}
                      </a>
                    </td>
                    <td class="num">
                      <a href={`/jobs?site=${encodeURIComponent(site.name)}&state=defined`}>
                        {formatCount(q.waiting)}
                      </a>
                    </td>
                    <td class="num">
                      <a href={`/jobs?site=${encodeURIComponent(site.name)}&state=running`}>
                        {formatCount(q.running)}
                      </a>
                    </td>
                    <td class="num">
                      <Maybe value={site.pilots} />
                    </td>
                    <td class="num">
                      {site.pilotcycles === 0 ? 'until stopped' : <Maybe value={site.pilotcycles} />}
                    </td>
                    <td class="num">{seconds(site.pilotperiod)}</td>
                    <td class="num">{seconds(site.pilotbeat)}</td>
                    <td class="num">{seconds(site.pilotlife)}</td>
                    <td class="path">
                      {Object.keys(site.env).length === 0 ? (
                        <Dash />
                      ) : (
                        Object.entries(site.env).map(([k, v]) => (
                          <div key={k}>
                            <code>
                              {k}={v}
                            </code>
                          </div>
                        ))
                      )}
                    </td>
                    <td class="path">
                      <Maybe value={site.server} />
                    </td>
                    <td>
                      <Time ms={site.updatedAt} />
                    </td>
                  </tr>
                );
              })}
            </Table>
          )}
        </Live>
      </>
    ),
  };
}

/** Jobs asking for this site: waiting (defined) and running (dispatched or running). */
function siteQueue(queue: QueueDepthWire, site: string): { waiting: number; running: number } {
  let waiting = 0;
  let running = 0;
  for (const row of queue.queue) {
    if (row.site !== site) continue;
    waiting += row.defined;
    running += row.dispatched + row.running;
  }
  return { waiting, running };
}
