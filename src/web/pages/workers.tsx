// /workers: the batch jobs the pilot factory submitted, with each provisioned site's feeding
// decision on top (why pilots are, or are not, being submitted), filtered by site and state, paged.
// /workers/:id: one worker, the pilot it became and the jobs that pilot ran.

import { WORKER_STATES } from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import { ROUTES, routePath } from '../../protocol/routes.ts';
import type { ProvisioningStateWire, WorkerWire } from '../../protocol/schemas/workers.ts';
import {
  Card,
  Dash,
  Empty,
  KeyValues,
  Live,
  Maybe,
  missingPage,
  PageHead,
  StateBadge,
  Table,
  Time,
} from '../components.tsx';
import { formatDuration } from '../format.ts';
import { JobTable } from '../job-table.tsx';
import { FilterForm, ListResults } from '../list-view.tsx';
import { apiUrl, loadList } from '../monitor-api.ts';
import { many, one, type PageContext, type PageResult, pageUrl, pagingParams, readPaging } from '../page.ts';

export async function workersPage(ctx: PageContext): Promise<PageResult> {
  const view = { states: many(ctx.query, 'state'), site: one(ctx.query, 'site'), ...readPaging(ctx.query) };
  const urlOf = (change: Partial<typeof view> = {}) => {
    const v = { ...view, ...change };
    return pageUrl('/workers', { state: v.states.join(','), site: v.site, ...pagingParams(v) });
  };
  const query = {
    state: view.states.join(',') || undefined,
    site: view.site,
    limit: view.limit,
    offset: view.offset,
  };
  const [{ list, problem }, { sites }] = await Promise.all([
    loadList(() => ctx.api.listWorkers(query)),
    ctx.api.listSites(),
  ]);
  const provisioned = sites.filter((s) => s.provisioning !== null && (!view.site || s.name === view.site));
  const feeding = await Promise.all(
    provisioned.map(async (s) => (await ctx.api.siteProvisioning(s.name)).provisioning),
  );
  const filtered = view.states.length > 0 || view.site !== undefined;
  return {
    title: 'Workers',
    nav: 'workers',
    url: urlOf(),
    body: (
      <>
        <PageHead title="Workers" />
        <div id="workers">
          <FilterForm
            path="/workers"
            target="workers"
            states={{ all: WORKER_STATES, selected: view.states }}
            fields={[{ name: 'site', label: 'Site', value: view.site }]}
          />
          <Live url={urlOf()} json={apiUrl(ROUTES.workers, query)} now={ctx.now}>
            {feeding.length > 0 && <Feeding sites={feeding} />}
            <ListResults
              list={list}
              problem={problem}
              noun="worker"
              paging={{
                limit: view.limit,
                offset: view.offset,
                href: (offset) => urlOf({ offset }),
                target: 'workers',
              }}
              empty={
                <Empty>
                  {filtered ? (
                    <p>No worker matches these filters.</p>
                  ) : (
                    <>
                      <h2>No workers yet</h2>
                      <p>
                        Give a site a <code>provisioning</code> record (batch system and limits) and run{' '}
                        <code>p3s factory</code>: it submits pilots through the batch system where jobs wait.
                      </p>
                    </>
                  )}
                </Empty>
              }
              table={(l) => <WorkerTable workers={l.workers} />}
            />
          </Live>
        </div>
      </>
    ),
  };
}

/** Each provisioned site: what waits, what the batch system holds, and the factory's decision. */
function Feeding({ sites }: { sites: ProvisioningStateWire[] }) {
  return (
    <Table
      class="feeding"
      columns={[
        'Site',
        'Batch',
        ['Waiting jobs', 'num'],
        ['Queued', 'num'],
        ['Held', 'num'],
        ['Running', 'num'],
        'Last 24 h',
        'Decision',
      ]}
    >
      {sites.map((s) => (
        <tr key={s.site} data-site={s.site} data-limit={s.decision.limit}>
          <td>
            <a href={`/workers?site=${encodeURIComponent(s.site)}`}>
              <strong>{s.site}</strong>
            </a>
          </td>
          <td>{s.batch}</td>
          <td class="num">{s.waitingJobs}</td>
          <td class="num">{s.workers.submitted}</td>
          <td class="num">{s.workers.held}</td>
          <td class="num">{s.workers.running}</td>
          <td>
            {s.lastDay.finished} finished, {s.lastDay.neverRegistered} never registered, {s.lastDay.lost} lost
          </td>
          <td class={s.decision.submit === 0 && s.decision.limit !== 'no_demand' ? 'warn' : undefined}>
            {s.decision.detail}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function WorkerTable({ workers }: { workers: WorkerWire[] }) {
  return (
    <Table
      class="workers"
      columns={[
        ['ID', 'num'],
        'Site',
        'Batch id',
        'State',
        'Pilot',
        ['Jobs run', 'num'],
        'Submitted',
        'Ended',
        'Why',
      ]}
    >
      {workers.map((w) => (
        <tr key={w.id} data-worker={w.id} data-state={w.state}>
          <td class="num">
            <a href={`/workers/${w.id}`}>{w.id}</a>
          </td>
          <td>{w.site}</td>
          <td>
            <Maybe value={w.batchId} />
          </td>
          <td>
            <StateBadge state={w.state} />
            {w.killRequested && w.endedAt === null ? <span class="note"> removal requested</span> : null}
          </td>
          <td>{w.pilot ? <a href={`/pilots/${w.pilot.id}`}>{w.pilot.id}</a> : <Dash />}</td>
          <td class="num">{w.pilot ? w.pilot.jobsRun : <Dash />}</td>
          <td>
            <Time ms={w.submittedAt} format="ago" />
          </td>
          <td>
            <Time ms={w.endedAt} />
          </td>
          <td>{why(w) || <Dash />}</td>
        </tr>
      ))}
    </Table>
  );
}

/** Why a worker ended or waits: its failure, exit status, who removed it, the batch system's words. */
export function why(w: WorkerWire): string {
  return [
    w.failure,
    w.exitCode !== null && w.endedAt !== null ? `exit ${w.exitCode}` : null,
    w.cancelledBy ? `cancelled by ${w.cancelledBy}` : null,
    w.reason,
  ]
    .filter(Boolean)
    .join(': ');
}

export async function workerPage(ctx: PageContext): Promise<PageResult> {
  const id = Number(ctx.params.id);
  let worker: WorkerWire;
  try {
    worker = (await ctx.api.getWorker(id)).worker;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
      return missingPage({
        nav: 'workers',
        title: 'Worker not found',
        heading: `Worker ${ctx.params.id}`,
        message: `There is no worker ${ctx.params.id}.`,
        list: { href: '/workers', label: 'All workers' },
      });
    }
    throw error;
  }
  const jobs = worker.pilot
    ? await ctx.api.listJobs({ pilot: worker.pilot.id, sort: 'id', order: 'desc', limit: 25 })
    : null;
  return {
    title: `Worker ${worker.id}`,
    nav: 'workers',
    body: (
      <>
        <PageHead
          title={
            <>
              Worker {worker.id} <span class="subtitle">{worker.batchId ?? 'refused'}</span>
            </>
          }
        />
        <Live url={`/workers/${worker.id}`} json={routePath(ROUTES.worker, { id: worker.id })} now={ctx.now}>
          <div class="job-head">
            <StateBadge state={worker.state} />
            {worker.killRequested && worker.endedAt === null && <span class="note">removal requested</span>}
          </div>
          <div class="grid-2">
            <Card title="Batch job">
              <KeyValues
                rows={[
                  [
                    'site',
                    <a key="s" href={`/workers?site=${encodeURIComponent(worker.site)}`}>
                      {worker.site}
                    </a>,
                  ],
                  ['batch system', worker.batchSystem],
                  ['batch id', worker.batchId],
                  ['submitted', <Time key="s" ms={worker.submittedAt} />],
                  ['started', <Time key="t" ms={worker.startedAt} />],
                  ['ended', <Time key="e" ms={worker.endedAt} />],
                  [
                    'ran for',
                    worker.startedAt === null
                      ? null
                      : formatDuration((worker.endedAt ?? ctx.now) - worker.startedAt),
                  ],
                  ['factory host', worker.factory],
                  ['pilot log', worker.logPath === null ? null : <code key="l">{worker.logPath}</code>],
                ]}
              />
            </Card>
            <Card title="How it went">
              <KeyValues
                rows={[
                  [
                    'pilot',
                    worker.pilot ? (
                      <a key="p" href={`/pilots/${worker.pilot.id}`}>
                        pilot {worker.pilot.id} ({worker.pilot.state})
                      </a>
                    ) : (
                      'never registered'
                    ),
                  ],
                  ['jobs run', worker.pilot?.jobsRun ?? null],
                  ['exit code', worker.exitCode],
                  ['failure', worker.failure],
                  ['reason', worker.reason],
                  ['removal requested', worker.killRequested ? `by ${worker.killRequested.by}` : null],
                  ['cancelled by', worker.cancelledBy],
                ]}
              />
            </Card>
          </div>
          <Card title="Jobs its pilot ran">
            {jobs === null || jobs.total === 0 ? (
              <p class="muted">
                {jobs === null ? 'Its pilot never registered.' : 'Its pilot has not run a job yet.'}
              </p>
            ) : (
              <JobTable jobs={jobs.jobs} now={ctx.now} />
            )}
          </Card>
        </Live>
      </>
    ),
  };
}
