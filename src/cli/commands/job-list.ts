// `p3s job list` (filtered, sorted table of jobs) and `p3s job show` (every field of one job,
// its env, its state history with the time between steps, and its attempts).

import { type Command, Option } from '@commander-js/extra-typings';
import { isRedacted, REDACTED } from '../../core/env-secrets.ts';
import { JOB_SORT_KEYS, JOB_TIME_FIELDS } from '../../core/job-query.ts';
import type { JobDetailWire, JobListQuery, JobWire } from '../../protocol/schemas/jobs.ts';
import { idArg, idListArg, intArg, jobStatesArg, whenArg } from '../args.ts';
import {
  formatBytes,
  formatDuration,
  formatShortTime,
  formatTime,
  type Output,
  renderTable,
  truncate,
} from '../output.ts';
import {
  caFileOption,
  connect,
  dataDirOption,
  jsonOption,
  output,
  serverOption,
  tokenOption,
} from './common.ts';

export function addListCommands(job: Command): void {
  job
    .command('list')
    .alias('ls')
    .description('list jobs, newest first unless --sort says otherwise')
    .addOption(new Option('--ids <ids>', 'only these jobs: ids and ranges, e.g. 3,7-9').argParser(idListArg))
    .addOption(new Option('--state <states>', 'only these states (comma list)').argParser(jobStatesArg))
    .addOption(new Option('--user <name>', 'only jobs of this user'))
    .addOption(new Option('--jobtype <type>', 'only jobs of this job type'))
    .addOption(new Option('--site <site>', 'only jobs for this site'))
    .addOption(new Option('--name <glob>', 'only names matching this pattern (* and ?)'))
    .addOption(new Option('--workflow <id>', 'only jobs of this workflow').argParser(idArg))
    .addOption(new Option('--pilot <id>', 'only jobs run by this pilot').argParser(idArg))
    .addOption(new Option('--error <name>', 'only jobs that failed with this error (name or number)'))
    .addOption(
      new Option(
        '--since <when>',
        'only jobs whose --time is at or after: 30m, 2h, 7d ago, or 2024-05-01 14:30',
      ).argParser(whenArg),
    )
    .addOption(
      new Option('--until <when>', 'only jobs whose --time is before this (as --since)').argParser(whenArg),
    )
    .addOption(
      new Option('--time <field>', 'the time --since and --until look at (default: updated)').choices(
        JOB_TIME_FIELDS,
      ),
    )
    .addOption(new Option('--sort <key>', 'sort by this key').choices(JOB_SORT_KEYS))
    .addOption(new Option('--desc', 'descending order').conflicts('asc'))
    .addOption(new Option('--asc', 'ascending order'))
    .addOption(
      new Option('--limit <n>', 'show at most n jobs (1-1000)').argParser(intArg(1, 1000)).default(50),
    )
    .addOption(new Option('--offset <n>', 'skip the first n jobs').argParser(intArg(0)).default(0))
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (opts) => {
      const out = output(opts);
      const { client } = connect(opts);
      const query: JobListQuery = {
        ids: opts.ids,
        state: opts.state,
        user: opts.user,
        jobtype: opts.jobtype,
        site: opts.site,
        name: opts.name,
        workflow: opts.workflow,
        pilot: opts.pilot,
        error: opts.error,
        since: opts.since,
        until: opts.until,
        time: opts.time,
        sort: opts.sort,
        order: opts.desc ? 'desc' : opts.asc ? 'asc' : undefined,
        limit: opts.limit,
        offset: opts.offset,
      };
      const page = await client.listJobs(query);
      if (out.json) return out.data(page);
      if (page.jobs.length === 0) {
        out.line(page.total === 0 ? 'no jobs' : `no jobs at offset ${page.offset} (${page.total} in all)`);
        return;
      }
      printJobTable(out, page.jobs);
      const last = page.offset + page.jobs.length;
      if (page.offset > 0 || last < page.total) {
        const more = last < page.total ? ` (next: --offset ${last})` : '';
        out.line(out.dim(`${page.offset + 1}-${last} of ${page.total}${more}`));
      }
    });

  job
    .command('show')
    .description('show one job: every field, env, state history and attempts')
    .argument('<id>', 'job id', idArg)
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (id, opts) => {
      const out = output(opts);
      const detail = await connect(opts).client.getJob(id);
      if (out.json) out.data(detail);
      else printJobDetail(out, detail);
    });
}

function ranFor(job: { startedAt: number | null; endedAt: number | null }, now = Date.now()): string {
  if (job.startedAt === null) return '';
  return formatDuration((job.endedAt ?? now) - job.startedAt) + (job.endedAt === null ? '+' : '');
}

function where(job: { pilotId: number | null; host: string | null }): string {
  if (job.pilotId === null) return job.host ?? '';
  return job.host ? `${job.pilotId}@${job.host}` : String(job.pilotId);
}

function errorText(job: {
  errorName: string | null;
  errorCode: number | null;
  errorDiag: string | null;
}): string {
  if (!job.errorName && !job.errorDiag) return '';
  const name = job.errorName ? `${job.errorName}${job.errorCode === null ? '' : ` (${job.errorCode})`}` : '';
  return [name, job.errorDiag].filter(Boolean).join(': ');
}

export function printJobTable(out: Output, jobs: JobWire[]): void {
  const now = Date.now();
  const rows = jobs.map((j) => [
    j.id,
    truncate(j.name, 24),
    out.jobState(j.state),
    truncate(j.jobtype, 12),
    j.priority,
    j.user,
    truncate(where(j), 24),
    j.attempt,
    formatShortTime(j.createdAt, now),
    ranFor(j, now),
    truncate(errorText(j), 40),
  ]);
  const head = [
    'ID',
    'NAME',
    'STATE',
    'TYPE',
    'PRIO',
    'USER',
    'PILOT@HOST',
    'ATT',
    'CREATED',
    'RAN',
    'ERROR',
  ];
  out.table(head, rows, { alignRight: [0, 4, 7, 9] });
}

/** Aligned `key  value` lines; empty values are left out. */
function printFields(
  out: Output,
  fields: [string, string | number | null | undefined][],
  indent = '  ',
): void {
  const shown = fields.filter(([, v]) => v !== null && v !== undefined && v !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  for (const [key, value] of shown) out.line(`${indent}${key.padEnd(width)}  ${value}`);
}

function printJobDetail(out: Output, { job: j, events, attempts }: JobDetailWire): void {
  const at = (ms: number | null) => (ms === null ? null : formatTime(ms));
  out.line(`job ${j.id}${j.name ? ` ${JSON.stringify(j.name)}` : ''}  ${out.jobState(j.state)}`);
  printFields(out, [
    ['uuid', j.uuid],
    ['user', j.user],
    ['jobtype', j.jobtype],
    ['payload', j.payload],
    ['priority', j.priority],
    ['timelimit', `${j.timelimit}s (${formatDuration(j.timelimit * 1000)})`],
    ['site', j.site ?? '(any)'],
    ['workflow', j.workflowId],
    ['attempt', j.attempt],
    ['pilot', j.pilotId === null ? null : `${j.pilotId}${j.host ? ` on ${j.host}` : ''}`],
    ['ran at site', j.ranAtSite],
    ['pid', j.pid],
    ['exit code', j.exitCode],
    ['signal', j.signal],
    ['error', errorText(j)],
    ['cpu time', j.cpuSeconds === null ? null : formatDuration(j.cpuSeconds * 1000)],
    ['max rss', j.maxRssKb === null ? null : formatBytes(j.maxRssKb * 1024)],
    ['kill requested', j.killRequested ? 'yes' : null],
    ['lease until', at(j.leaseExpiresAt)],
    ['created', at(j.createdAt)],
    ['defined', at(j.definedAt)],
    ['dispatched', at(j.dispatchedAt)],
    ['started', at(j.startedAt)],
    ['ended', j.endedAt === null ? null : `${formatTime(j.endedAt)} (ran ${ranFor(j)})`],
    ['updated', at(j.updatedAt)],
  ]);
  const env = Object.entries(j.env);
  out.line('env');
  if (env.length === 0) out.line(out.dim('  (none)'));
  for (const [key, value] of env) out.line(`  ${key}=${value}`);
  if (env.some(([key, value]) => isRedacted(key, value)))
    out.line(out.dim(`  (${REDACTED}: only the job's owner and admins see these values)`));
  out.line('history');
  let previous: number | undefined;
  const rows = events.map((e) => {
    const step = previous === undefined ? '' : `+${formatDuration(e.at - previous)}`;
    previous = e.at;
    const change = e.fromState ? `${e.fromState} -> ${out.jobState(e.toState)}` : out.jobState(e.toState);
    // Pilot actors carry a full uuid; its first 8 characters are enough to tell pilots apart here.
    const actor = e.actor.replace(/^pilot:([0-9a-f]{8})[0-9a-f-]{28}$/, 'pilot:$1');
    return [formatTime(e.at), step, e.attempt, e.transition, change, actor, truncate(e.detail ?? '', 60)];
  });
  if (rows.length === 0) out.line(out.dim('  (no events)'));
  else out.line(indent(out, ['TIME', 'STEP', 'ATT', 'EVENT', 'STATE', 'BY', 'DETAIL'], rows, [1, 2]));
  if (attempts.length === 0) return;
  out.line('attempts');
  const attemptRows = attempts.map((a) => [
    a.attempt,
    out.jobState(a.state),
    where(a),
    a.site ?? '',
    a.exitCode ?? a.signal ?? '',
    a.startedAt === null ? '' : formatTime(a.startedAt),
    ranFor(a),
    truncate(errorText(a), 50),
  ]);
  out.line(
    indent(
      out,
      ['ATT', 'STATE', 'PILOT@HOST', 'SITE', 'EXIT', 'STARTED', 'RAN', 'ERROR'],
      attemptRows,
      [0, 6],
    ),
  );
}

function indent(out: Output, head: string[], rows: (string | number)[][], alignRight: number[]): string {
  return renderTable(head, rows, out.colors, { alignRight })
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
