// /jobs/:id: every field of a job, its env, the state timeline with durations, its attempts,
// the pilot and host, resource use (and plots of memory and CPU over time), the error,
// kill/retry buttons (for its owner and admins) and the live log viewer.

import {
  isRedacted,
  isTerminalJobState,
  KILLABLE_JOB_STATES,
  RETRYABLE_JOB_STATES,
} from '../../core/index.ts';
import { ApiError } from '../../protocol/client.ts';
import { ROUTES, routePath } from '../../protocol/routes.ts';
import type { JobWhyWire } from '../../protocol/schemas/job-why.ts';
import type { JobDetailWire, JobWire } from '../../protocol/schemas/jobs.ts';
import {
  Card,
  ErrorBanner,
  KeyValues,
  Live,
  Maybe,
  missingPage,
  PageHead,
  StateBadge,
  Time,
} from '../components.tsx';
import { formatCpu, formatDuration, formatKb } from '../format.ts';
import { runTime } from '../job-table.tsx';
import { LogBox, readLogEnd } from '../log-viewer.tsx';
import { choice, int, type PageContext, type PageResult } from '../page.ts';
import { loginUrl, mayAct, type Viewer } from '../session.ts';
import { UsagePlots } from '../usage-plot.tsx';
import { Attempts, Timeline } from './job-history.tsx';
import { WhyCard } from './job-why.tsx';

export async function jobPage(
  ctx: PageContext,
  flash?: { error?: string; done?: string },
): Promise<PageResult> {
  const id = Number(ctx.params.id);
  if (!Number.isSafeInteger(id) || id < 1) return missing(ctx.params.id ?? '');
  let detail: JobDetailWire;
  try {
    detail = await ctx.api.getJob(id);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return missing(String(id));
    throw error;
  }
  const { job } = detail;
  // The reasons are an extra: a job purged between the two reads loses only its card.
  const why = await ctx.api.jobWhy(id).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  });
  const url = `/jobs/${id}`;
  // The live region's request does not need the log (the log viewer follows it itself).
  const attempt = Math.min(int(ctx.query, 'attempt', 1) ?? job.attempt, job.attempt);
  const logRef = { jobId: id, attempt, stream: choice(ctx.query, 'stream', ['out', 'err'] as const, 'out') };
  const log = ctx.target === 'live' ? undefined : await readLogEnd(ctx.api, logRef);
  return {
    title: `Job ${id}${job.name ? ` ${job.name}` : ''}`,
    nav: 'jobs',
    body: (
      <>
        <PageHead
          title={
            <>
              Job {id} <span class="subtitle">{job.name}</span>
            </>
          }
        />
        <Live url={url} json={routePath(ROUTES.job, { id })} now={ctx.now}>
          {flash?.error && <ErrorBanner message={flash.error} />}
          {flash?.done && <div class="notice">{flash.done}</div>}
          <JobSummary detail={detail} why={why} now={ctx.now} viewer={ctx.viewer} />
        </Live>
        <Card id="logs" title="Log">
          {log && <LogBox log={logRef} slice={log.slice} skipped={log.skipped} attempts={job.attempt} />}
        </Card>
        <Card title="Payload and environment">
          <pre class="payload">{job.payload}</pre>
          <EnvTable env={job.env} />
        </Card>
      </>
    ),
  };
}

function missing(id: string): PageResult {
  return missingPage({
    nav: 'jobs',
    title: 'Job not found',
    heading: `Job ${id}`,
    message: `There is no job ${id}. It may have been deleted or purged.`,
    list: { href: '/jobs', label: 'All jobs' },
  });
}

function JobSummary({
  detail,
  why,
  now,
  viewer,
}: {
  detail: JobDetailWire;
  why: JobWhyWire | undefined;
  now: number;
  viewer: Viewer | null;
}) {
  const { job } = detail;
  const took = runTime(job, now);
  return (
    <>
      <div class="job-head">
        <StateBadge state={job.state} />
        {job.killRequested && !isTerminalJobState(job.state) && <span class="note">kill requested</span>}
        <Actions job={job} viewer={viewer} />
      </div>
      {job.errorName && (
        <div class="error-box">
          <strong>{job.errorName}</strong> ({job.errorCode}) {job.errorDiag}
        </div>
      )}
      <WhyCard why={why} />
      <div class="grid-2">
        <Card title="Job">
          <KeyValues
            rows={[
              ['uuid', <code key="u">{job.uuid}</code>],
              ['user', job.user],
              ['type', job.jobtype],
              ['priority', job.priority],
              ['time limit', formatDuration(job.timelimit * 1000)],
              ['site', <Maybe key="s" value={job.site ?? 'any'} />],
              ['attempt', job.attempt],
              [
                'workflow',
                job.workflowId === null ? null : (
                  <a href={`/workflows/${job.workflowId}`}>workflow {job.workflowId}</a>
                ),
              ],
            ]}
          />
        </Card>
        <Card title="Run">
          <KeyValues
            rows={[
              [
                'pilot',
                job.pilotId === null ? null : <a href={`/pilots/${job.pilotId}`}>pilot {job.pilotId}</a>,
              ],
              ['host', job.host],
              ['ran at site', job.ranAtSite],
              ['pid', job.pid],
              ['exit code', job.exitCode],
              ['signal', job.signal],
              ['CPU', formatCpu(job.cpuSeconds)],
              ['max RSS', formatKb(job.maxRssKb)],
              ['run time', took === null ? null : formatDuration(took)],
              ['lease until', job.leaseExpiresAt === null ? null : <Time ms={job.leaseExpiresAt} />],
            ]}
          />
        </Card>
        <Card title="Times">
          <KeyValues
            rows={[
              ['created', <Time key="c" ms={job.createdAt} />],
              ['defined', <Time key="d" ms={job.definedAt} />],
              ['dispatched', <Time key="p" ms={job.dispatchedAt} />],
              ['started', <Time key="s" ms={job.startedAt} />],
              ['ended', <Time key="e" ms={job.endedAt} />],
              ['last change', <Time key="u" ms={job.updatedAt} />],
            ]}
          />
        </Card>
      </div>
      <Card id="usage" title="Memory and CPU">
        <UsagePlots samples={detail.samples} attempt={job.attempt} />
      </Card>
      <Card title="State timeline">
        <Timeline detail={detail} now={now} />
      </Card>
      {detail.attempts.length > 0 && (
        <Card title="Attempts">
          <Attempts detail={detail} />
        </Card>
      )}
    </>
  );
}

/**
 * Kill and retry, when the job's state allows them and the viewer may manage the job (its owner or
 * an admin); htmx posts them to the monitor's action routes. An anonymous viewer is offered a login.
 */
function Actions({ job, viewer }: { job: JobWire; viewer: Viewer | null }) {
  const killable = KILLABLE_JOB_STATES.includes(job.state) && !job.killRequested;
  const retryable = RETRYABLE_JOB_STATES.includes(job.state);
  if (!killable && !retryable) return null;
  if (viewer === null)
    return (
      <span class="actions">
        <a class="note" href={loginUrl(`/jobs/${job.id}`)}>
          Log in to {killable ? 'kill' : 'retry'} this job
        </a>
      </span>
    );
  if (!mayAct(viewer, job.user)) return null;
  const button = (action: 'kill' | 'retry', label: string, confirm: string) => (
    <button
      type="button"
      class={`action ${action}`}
      hx-post={`/jobs/${job.id}/${action}`}
      hx-target="#live"
      hx-select="#live"
      hx-swap="outerHTML"
      hx-confirm={confirm}
    >
      {label}
    </button>
  );
  return (
    <span class="actions">
      {killable && button('kill', 'Kill', `Kill job ${job.id}${job.name ? ` (${job.name})` : ''}?`)}
      {retryable && button('retry', 'Retry', `Retry job ${job.id} as attempt ${job.attempt + 1}?`)}
    </span>
  );
}

function EnvTable({ env }: { env: Record<string, string> }) {
  const keys = Object.keys(env).sort();
  if (keys.length === 0) return <p class="muted">No environment variables of its own.</p>;
  return (
    <table class="env">
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <th>{k}</th>
            <td>
              {isRedacted(k, env[k] as string) ? (
                <span class="muted redacted">hidden: only the job's owner and admins see this value</span>
              ) : (
                <code>{env[k]}</code>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
