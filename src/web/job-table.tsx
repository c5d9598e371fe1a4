// The jobs table shared by the jobs, pilot and workflow pages: one row per job with its state,
// where it ran, how long it took and how it failed. Sortable when given a sort link builder.

import type { JobWire } from '../protocol/schemas/jobs.ts';
import { Dash, Maybe, SortHeader, StateBadge, Table, Time } from './components.tsx';
import { formatDuration } from './format.ts';

export interface SortControl {
  sort: string;
  order: 'asc' | 'desc';
  href: (sort: string, order: 'asc' | 'desc') => string;
  /** The region a header link replaces. */
  target: string;
}

const COLUMNS: [label: string, key: string | null, cls?: string][] = [
  ['ID', 'id', 'num'],
  ['Name', 'name'],
  ['State', 'state'],
  ['Type', 'jobtype'],
  ['User', 'user'],
  ['Prio', 'priority', 'num'],
  ['Site', null],
  ['Host', null],
  ['Try', null, 'num'],
  ['Created', 'created'],
  ['Started', 'started'],
  ['Ended', 'ended'],
  ['Took', null, 'num'],
  ['Error', null],
];

/** Run time of the current attempt: until it ended, or until now while it runs. */
export function runTime(job: JobWire, now: number): number | null {
  if (job.startedAt === null) return null;
  return (job.endedAt ?? (job.state === 'running' ? now : job.startedAt)) - job.startedAt;
}

export function JobTable({ jobs, now, sort }: { jobs: JobWire[]; now: number; sort?: SortControl }) {
  return (
    <Table
      class="jobs"
      columns={COLUMNS.map(([label, key, cls]) =>
        sort && key ? (
          <SortHeader key={label} label={label} sortKey={key} class={cls} {...sort} />
        ) : (
          ([label, cls] as const)
        ),
      )}
    >
      {jobs.map((job) => {
        const took = runTime(job, now);
        return (
          <tr key={job.id} data-job={job.id} data-state={job.state}>
            <td class="num">
              <a href={`/jobs/${job.id}`}>{job.id}</a>
            </td>
            <td class="name" title={job.name}>
              <a href={`/jobs/${job.id}`}>{job.name || <span class="muted">(no name)</span>}</a>
            </td>
            <td>
              <StateBadge state={job.state} />
              {job.killRequested && job.state !== 'cancelled' ? (
                <span class="note"> kill requested</span>
              ) : null}
            </td>
            <td>{job.jobtype}</td>
            <td>{job.user}</td>
            <td class="num">{job.priority}</td>
            <td>
              <Maybe value={job.ranAtSite ?? job.site} />
            </td>
            <td>
              {job.pilotId !== null ? (
                <a href={`/pilots/${job.pilotId}`}>{job.host ?? `pilot ${job.pilotId}`}</a>
              ) : (
                <Maybe value={job.host} />
              )}
            </td>
            <td class="num">{job.attempt}</td>
            {/* Short times leave the width to the error (the full time is in each tooltip). */}
            <td>
              <Time ms={job.createdAt} format="short" />
            </td>
            <td>
              <Time ms={job.startedAt} format="short" />
            </td>
            <td>
              <Time ms={job.endedAt} format="short" />
            </td>
            <td class="num">{took === null ? <Dash /> : formatDuration(took)}</td>
            <td class="error" title={job.errorDiag ?? undefined}>
              {job.errorName ? (
                <>
                  <a href={`/jobs?state=${job.state}&error=${job.errorName}`} class="error-name">
                    {job.errorName}
                  </a>{' '}
                  <span class="diag">{job.errorDiag}</span>
                </>
              ) : null}
            </td>
          </tr>
        );
      })}
    </Table>
  );
}
