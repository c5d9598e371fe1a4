// /pilots/:id: one pilot (by id or uuid) with its host, site, owner (the token that registered
// it), PID, batch id, what it offers its jobs, state, last heartbeat, and the jobs it ran.

import { ApiError } from '../../protocol/client.ts';
import { ROUTES, routePath } from '../../protocol/routes.ts';
import type { PilotWire } from '../../protocol/schemas/pilots.ts';
import { Card, KeyValues, Live, missingPage, PageHead, StateBadge, Time } from '../components.tsx';
import { formatCount, formatDuration } from '../format.ts';
import { JobTable } from '../job-table.tsx';
import type { PageContext, PageResult } from '../page.ts';

export async function pilotPage(ctx: PageContext): Promise<PageResult> {
  const id = ctx.params.id ?? '';
  let pilot: PilotWire;
  try {
    pilot = (await ctx.api.getPilot(id)).pilot;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
      return missingPage({
        nav: 'pilots',
        title: 'Pilot not found',
        heading: `Pilot ${id}`,
        message: `There is no pilot ${id}.`,
        list: { href: '/pilots', label: 'All pilots' },
      });
    }
    throw error;
  }
  const jobs = await ctx.api.listJobs({ pilot: pilot.id, sort: 'id', order: 'desc', limit: 25 });
  return {
    title: `Pilot ${pilot.id}`,
    nav: 'pilots',
    body: (
      <>
        <PageHead
          title={
            <>
              Pilot {pilot.id} <span class="subtitle">{pilot.host}</span>
            </>
          }
        />
        <Live url={`/pilots/${pilot.id}`} json={routePath(ROUTES.pilot, { id: pilot.id })} now={ctx.now}>
          <div class="job-head">
            <StateBadge state={pilot.state} />
            {pilot.stopRequested && pilot.state !== 'stopped' && <span class="note">stop requested</span>}
          </div>
          <div class="grid-2">
            <Card title="Pilot">
              <KeyValues
                rows={[
                  ['uuid', <code key="u">{pilot.uuid}</code>],
                  ['host', pilot.host],
                  ['site', pilot.site],
                  ['owner', pilot.owner],
                  ['PID', pilot.pid],
                  ['batch id', pilot.batchId],
                  ['job types', pilot.jobTypes.length === 0 ? 'any' : pilot.jobTypes.join(', ')],
                  ['version', pilot.version],
                  ['lifetime', pilot.lifetime === 0 ? 'unlimited' : formatDuration(pilot.lifetime * 1000)],
                  ['lifetime ends', <Time key="le" ms={pilot.lifetimeEndsAt} />],
                  ['offers', offerText(pilot)],
                ]}
              />
            </Card>
            <Card title="Activity">
              <KeyValues
                rows={[
                  [
                    'current job',
                    pilot.currentJobId === null ? null : (
                      <a href={`/jobs/${pilot.currentJobId}`}>job {pilot.currentJobId}</a>
                    ),
                  ],
                  ['jobs run', pilot.jobsRun],
                  ['registered', <Time key="r" ms={pilot.registeredAt} />],
                  ['last heartbeat', <Time key="l" ms={pilot.lastSeenAt} format="ago" />],
                  ['ended', <Time key="e" ms={pilot.endedAt} />],
                  ['up for', formatDuration((pilot.endedAt ?? ctx.now) - pilot.registeredAt)],
                ]}
              />
            </Card>
          </div>
          <Card
            title={
              <>
                Jobs of this pilot{' '}
                {jobs.total > jobs.jobs.length && (
                  <a class="more" href={`/jobs?pilot=${pilot.id}`}>
                    all {formatCount(jobs.total)}
                  </a>
                )}
              </>
            }
          >
            {jobs.total === 0 ? (
              <p class="muted">It has not run a job yet.</p>
            ) : (
              <JobTable jobs={jobs.jobs} now={ctx.now} />
            )}
          </Card>
        </Live>
      </>
    ),
  };
}

/** What a claim holds the pilot's jobs to (core/job-fit.ts); null when it offered nothing. */
function offerText(pilot: PilotWire): string | null {
  const parts = [
    pilot.memory === null ? null : `${formatCount(pilot.memory)} MiB memory`,
    pilot.cores === null ? null : `${formatCount(pilot.cores)} cores`,
    pilot.disk === null ? null : `${formatCount(pilot.disk)} MiB disk`,
  ].filter((part) => part !== null);
  return parts.length === 0 ? null : parts.join(', ');
}
