// The job page's history: every state change with how long the job stayed in each state, and the
// attempts that ended (pilot, host, site, time, CPU, RSS, error) with links to their logs.

import { isTerminalJobState } from '../../core/index.ts';
import type { JobDetailWire } from '../../protocol/schemas/jobs.ts';
import { Dash, Maybe, StateBadge, Table, Time } from '../components.tsx';
import { formatCpu, formatDuration, formatKb } from '../format.ts';

/** Every state change with how long the job stayed in the state it entered. */
export function Timeline({ detail, now }: { detail: JobDetailWire; now: number }) {
  const { events, job } = detail;
  return (
    <Table class="timeline" columns={['at', 'attempt', 'change', 'by', ['stayed', 'num'], 'detail']}>
      {events.map((event, i) => {
        const next = events[i + 1];
        const until = next ? next.at : isTerminalJobState(job.state) ? null : now;
        return (
          <tr key={event.id}>
            <td>
              <Time ms={event.at} />
            </td>
            <td class="num">{event.attempt}</td>
            <td>
              {event.fromState ? <StateBadge state={event.fromState} /> : <span class="muted">new</span>} →{' '}
              <StateBadge state={event.toState} /> <span class="muted">{event.transition}</span>
            </td>
            <td>{event.actor}</td>
            <td class="num">
              {until === null ? <Dash /> : formatDuration(until - event.at)}
              {!next && until !== null ? ' so far' : ''}
            </td>
            <td class="diag">{event.detail}</td>
          </tr>
        );
      })}
    </Table>
  );
}

export function Attempts({ detail }: { detail: JobDetailWire }) {
  const { job } = detail;
  return (
    <Table
      columns={[
        ['#', 'num'],
        'state',
        'pilot',
        'host',
        'site',
        'started',
        ['took', 'num'],
        ['CPU', 'num'],
        ['max RSS', 'num'],
        'error',
        'log',
      ]}
    >
      {detail.attempts.map((a) => (
        <tr key={a.attempt}>
          <td class="num">{a.attempt}</td>
          <td>
            <StateBadge state={a.state} />
          </td>
          <td>{a.pilotId === null ? <Dash /> : <a href={`/pilots/${a.pilotId}`}>{a.pilotId}</a>}</td>
          <td>
            <Maybe value={a.host} />
          </td>
          <td>
            <Maybe value={a.site} />
          </td>
          <td>
            <Time ms={a.startedAt} />
          </td>
          <td class="num">
            {a.startedAt !== null && a.endedAt !== null ? formatDuration(a.endedAt - a.startedAt) : '—'}
          </td>
          <td class="num">{formatCpu(a.cpuSeconds)}</td>
          <td class="num">{formatKb(a.maxRssKb)}</td>
          <td class="diag">
            {a.errorName
              ? `${a.errorName}: ${a.errorDiag ?? ''}`
              : a.exitCode !== null
                ? `exit ${a.exitCode}`
                : ''}
          </td>
          <td>
            <a href={`/jobs/${job.id}?attempt=${a.attempt}#logs`}>stdout</a> ·{' '}
            <a href={`/jobs/${job.id}?attempt=${a.attempt}&stream=err#logs`}>stderr</a>
          </td>
        </tr>
      ))}
    </Table>
  );
}
