// /: the state of the whole system at a glance: jobs and pilots by state, queue depth by job
// type and site, recent failures grouped by error and diagnostic, and time-series charts.

import { JOB_STATES, PILOT_STATES, STATS_WINDOW_NAMES, type StatsWindow } from '../../core/index.ts';
import { ROUTES } from '../../protocol/routes.ts';
import type { SummaryWire } from '../../protocol/schemas/jobs.ts';
import type { FailuresWire, QueueDepthWire, TimelineWire } from '../../protocol/schemas/stats.ts';
import { Card, Empty, HowToSubmit, Live, PageHead, PartLink, Time } from '../components.tsx';
import { formatCount } from '../format.ts';
import { apiUrl } from '../monitor-api.ts';
import { choice, type PageContext, type PageResult, pageUrl } from '../page.ts';

const WINDOW_LABEL: Record<StatsWindow, string> = { hour: 'last hour', day: 'last day', week: 'last week' };
const WINDOW_DURATION: Record<StatsWindow, string> = { hour: '1h', day: '1d', week: '7d' };
/**
 * Least time between two chart updates: the window slides with the clock, so a chart differs at
 * almost every look; a bucket of a day or a week fills slowly, and its query reads more events.
 */
const CHART_REFRESH: Record<StatsWindow, string> = { hour: '10s', day: '30s', week: '60s' };

export async function overviewPage(ctx: PageContext): Promise<PageResult> {
  const window = choice(ctx.query, 'window', STATS_WINDOW_NAMES, 'hour');
  const failuresWindow = choice(ctx.query, 'failures', STATS_WINDOW_NAMES, 'day');
  const urlOf = (w: StatsWindow, f: StatsWindow) =>
    pageUrl('/', { window: w === 'hour' ? undefined : w, failures: f === 'day' ? undefined : f });
  const url = urlOf(window, failuresWindow);
  // A live region's request asks for one region: fetch only what that region shows.
  const wantsLive = ctx.target === null || !ctx.target.includes('charts');
  const wantsCharts = ctx.target === null || ctx.target.includes('charts');
  const [summary, queue, failures, timeline] = await Promise.all([
    wantsLive ? ctx.api.summary() : undefined,
    wantsLive ? ctx.api.statsQueue() : undefined,
    wantsLive ? ctx.api.statsFailures({ window: failuresWindow, limit: 15 }) : undefined,
    wantsCharts ? ctx.api.statsTimeline({ window }) : undefined,
  ]);
  return {
    title: 'Overview',
    nav: 'overview',
    url,
    charts: true,
    body: (
      <>
        <PageHead title="Overview" />
        {summary && queue && failures ? (
          <Live url={url} json={ROUTES.summary} now={ctx.now}>
            <Counts summary={summary} />
            <div class="grid-2 wide-left">
              <Failures failures={failures} window={failuresWindow} link={(f) => urlOf(window, f)} />
              <Queue queue={queue} />
            </div>
          </Live>
        ) : (
          <section id="live" />
        )}
        <div id="charts">
          {timeline ? (
            <Live
              id="live-charts"
              url={url}
              json={apiUrl(ROUTES.statsTimeline, { window })}
              now={ctx.now}
              pause={CHART_REFRESH[window]}
            >
              <nav class="window-choice" aria-label="chart window">
                {STATS_WINDOW_NAMES.map((w) =>
                  w === window ? (
                    <strong key={w}>{WINDOW_LABEL[w]}</strong>
                  ) : (
                    <PartLink key={w} href={urlOf(w, failuresWindow)} target="charts">
                      {WINDOW_LABEL[w]}
                    </PartLink>
                  ),
                )}
              </nav>
              <Charts timeline={timeline} />
            </Live>
          ) : (
            <section id="live-charts" />
          )}
        </div>
      </>
    ),
  };
}

function Counts({ summary }: { summary: SummaryWire }) {
  const jobs = summary.jobs;
  const pilots = summary.pilots;
  return (
    <>
      {(jobs.total ?? 0) === 0 && <HowToSubmit />}
      <div class="tiles">
        <a class="tile total" href="/jobs">
          <span class="n">{formatCount(jobs.total ?? 0)}</span>
          <span class="label">jobs</span>
        </a>
        {JOB_STATES.map((state) => (
          <a key={state} class={`tile state-${state}`} href={`/jobs?state=${state}`} data-state={state}>
            <span class="n">{formatCount(jobs[state] ?? 0)}</span>
            <span class="label">{state}</span>
          </a>
        ))}
      </div>
      <div class="tiles pilots">
        <a class="tile total" href="/pilots?state=idle,running">
          <span class="n">{formatCount((pilots.idle ?? 0) + (pilots.running ?? 0))}</span>
          <span class="label">live pilots</span>
        </a>
        {PILOT_STATES.map((state) => (
          <a
            key={state}
            class={`tile pilot state-${state}`}
            href={`/pilots?state=${state}`}
            data-pilot-state={state}
          >
            <span class="n">{formatCount(pilots[state] ?? 0)}</span>
            <span class="label">{state}</span>
          </a>
        ))}
      </div>
    </>
  );
}

function Queue({ queue }: { queue: QueueDepthWire }) {
  return (
    <Card
      title={
        <>
          Queue by job type and site{' '}
          <a class="json small" href={ROUTES.statsQueue}>
            JSON
          </a>
        </>
      }
    >
      {queue.queue.length === 0 ? (
        <p class="muted">Nothing waiting or running.</p>
      ) : (
        <table class="queue">
          <thead>
            <tr>
              <th>Type</th>
              <th>Site</th>
              <th class="num">waiting</th>
              <th class="num">dispatched</th>
              <th class="num">running</th>
            </tr>
          </thead>
          <tbody>
            {queue.queue.map((row) => {
              const base = { jobtype: row.jobtype, site: row.site ?? undefined };
              return (
                <tr key={`${row.jobtype}/${row.site}`}>
                  <td>{row.jobtype}</td>
                  <td>{row.site ?? <span class="muted">any</span>}</td>
                  <td class="num">
                    <a href={pageUrl('/jobs', { state: 'defined', ...base })}>{formatCount(row.defined)}</a>
                  </td>
                  <td class="num">
                    <a href={pageUrl('/jobs', { state: 'dispatched', ...base })}>
                      {formatCount(row.dispatched)}
                    </a>
                  </td>
                  <td class="num">
                    <a href={pageUrl('/jobs', { state: 'running', ...base })}>{formatCount(row.running)}</a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function Failures(props: { failures: FailuresWire; window: StatsWindow; link: (w: StatsWindow) => string }) {
  const { failures, window } = props;
  return (
    <Card
      title={
        <>
          Failures, {WINDOW_LABEL[window]}: {formatCount(failures.total)}{' '}
          <span class="window-choice small">
            {STATS_WINDOW_NAMES.filter((w) => w !== window).map((w) => (
              <a key={w} href={props.link(w)}>
                {w}
              </a>
            ))}
          </span>{' '}
          <a class="json small" href={apiUrl(ROUTES.statsFailures, { window })}>
            JSON
          </a>
        </>
      }
    >
      {failures.groups.length === 0 ? (
        <Empty>
          <p>No job failed in the {WINDOW_LABEL[window]}.</p>
        </Empty>
      ) : (
        <table class="failures">
          <thead>
            <tr>
              <th class="num">jobs</th>
              <th>error</th>
              <th>diagnostic</th>
              <th>last</th>
            </tr>
          </thead>
          <tbody>
            {failures.groups.map((g) => (
              <tr key={`${g.errorName}/${g.diagnostic}`}>
                <td class="num">
                  <a
                    href={pageUrl('/jobs', {
                      state: 'failed',
                      error: g.errorName ?? undefined,
                      window: WINDOW_DURATION[window],
                      time: 'ended',
                    })}
                  >
                    {formatCount(g.count)}
                  </a>
                </td>
                <td>
                  <span class="error-name">{g.errorName ?? '—'}</span>{' '}
                  <span class="muted">{g.errorCode}</span>
                </td>
                <td class="diag" title={g.example}>
                  {g.diagnostic}
                </td>
                <td>
                  <a href={`/jobs/${g.lastJobId}`}>job {g.lastJobId}</a> <Time ms={g.lastAt} format="ago" />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

/** The series as data attributes; assets/monitor.js draws them with uPlot. */
function Charts({ timeline }: { timeline: TimelineWire }) {
  const minutes = timeline.bucketSeconds / 60;
  const bucketMs = timeline.bucketSeconds * 1000;
  // Counts sit in the middle of their bucket; levels are those at the bucket's end (or now).
  const middle = timeline.points.map((p) => Math.round((p.at + bucketMs / 2) / 1000));
  const end = timeline.points.map((p) => Math.round(Math.min(p.at + bucketMs, timeline.now) / 1000));
  const rate = (n: number) => Math.round((n / minutes) * 100) / 100;
  const span = (timeline.to - timeline.from) / 1000;
  const perMinute = {
    kind: 'rate',
    x: middle,
    span,
    series: [
      { label: 'finished / min', color: 'finished', values: timeline.points.map((p) => rate(p.finished)) },
      { label: 'failed / min', color: 'failed', values: timeline.points.map((p) => rate(p.failed)) },
    ],
  };
  const live = {
    kind: 'level',
    x: end,
    span,
    series: [
      { label: 'running jobs', color: 'running', values: timeline.points.map((p) => p.running) },
      { label: 'live pilots', color: 'idle', values: timeline.points.map((p) => p.pilots) },
    ],
  };
  const ended = timeline.points.reduce((sum, p) => sum + p.finished + p.failed, 0);
  return (
    <div class="grid-2">
      <Card title="Jobs ended per minute">
        <div class="chart" data-chart={JSON.stringify(perMinute)} />
        {ended === 0 && <p class="muted chart-note">No job ended in this window.</p>}
      </Card>
      <Card title="Running jobs and live pilots">
        <div class="chart" data-chart={JSON.stringify(live)} />
      </Card>
    </div>
  );
}
