// `p3s workers list|show|kill`: the batch jobs the factory submitted to run pilots, with each
// provisioned site's feeding decision (why pilots are, or are not, being submitted), and removals.

import { type Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { WORKER_STATES } from '../../core/worker-state.ts';
import { ApiError } from '../../protocol/client.ts';
import type { WorkerWire } from '../../protocol/schemas/workers.ts';
import { workersApi } from '../../protocol/workers-client.ts';
import { idArg, intArg, listArg } from '../args.ts';
import { Exit } from '../errors.ts';
import { formatAgo, formatTime, type Output, truncate } from '../output.ts';
import { connect, output, withClientOptions } from './common.ts';

const ACTIVE = 'submitted,held,running';

function workerStatesArg(value: string): string {
  const states = listArg(value);
  const unknown = states.filter((s) => !(WORKER_STATES as readonly string[]).includes(s));
  if (states.length === 0 || unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown worker state ${unknown.join(', ')} (one of: ${WORKER_STATES.join(', ')}).`,
    );
  return states.join(',');
}

export function addWorkersCommands(program: Command): void {
  const workers = program
    .command('workers')
    .description('the batch jobs the factory submitted to run pilots');

  withClientOptions(
    workers
      .command('list')
      .alias('ls')
      .description("workers (default: those in the batch system), and each site's feeding decision")
      .addOption(new Option('--site <name>', 'only this site'))
      .addOption(
        new Option('--state <states>', `only these states (${WORKER_STATES.join(', ')})`).argParser(
          workerStatesArg,
        ),
      )
      .addOption(new Option('--all', 'every state, newest first'))
      .addOption(new Option('--limit <n>', 'at most this many').argParser(intArg(1, 1000)).default(50)),
  ).action(async (opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const api = workersApi(client);
    const state = opts.state ?? (opts.all ? undefined : ACTIVE);
    const [page, { sites }] = await Promise.all([
      api.listWorkers({ site: opts.site, state, limit: opts.limit }),
      client.listSites(),
    ]);
    const provisioned = sites.filter((s) => s.provisioning !== null && (!opts.site || s.name === opts.site));
    const feeding = await Promise.all(provisioned.map((s) => api.siteProvisioning(s.name)));
    if (out.json) return out.data({ ...page, sites: feeding.map((f) => f.provisioning) });
    for (const { provisioning: f } of feeding) {
      const w = f.workers;
      out.line(
        `site ${f.site} (${f.batch}): ${f.waitingJobs} waiting, ${w.submitted} queued, ${w.held} held, ${w.running} running — ${f.decision.detail}`,
      );
      const d = f.lastDay;
      out.line(
        out.dim(
          `  last 24 h: ${d.finished} finished, ${d.failed} failed (${d.neverRegistered} never registered, ${d.submitRefused} refused), ${d.cancelled} cancelled, ${d.lost} lost`,
        ),
      );
    }
    if (feeding.length > 0) out.line();
    if (page.workers.length === 0) {
      out.line(state === ACTIVE ? 'no workers in the batch system (--all shows ended ones)' : 'no workers');
      return;
    }
    const now = Date.now();
    out.table(
      ['ID', 'SITE', 'BATCH ID', 'STATE', 'PILOT', 'JOBS', 'SUBMITTED', 'WHY'],
      page.workers.map((w) => [
        w.id,
        w.site,
        w.batchId ?? '-',
        w.state + (w.killRequested && !w.endedAt ? out.dim(' (removing)') : ''),
        w.pilot ? `${w.pilot.id} ${w.pilot.state}` : '-',
        w.pilot ? w.pilot.jobsRun : '',
        formatAgo(w.submittedAt, now),
        truncate(why(w), 60),
      ]),
      { alignRight: [0, 5] },
    );
    if (page.total > page.workers.length)
      out.line(out.dim(`${page.workers.length} of ${page.total} (--limit for more)`));
  });

  withClientOptions(
    workers
      .command('show')
      .description('one worker: its batch job, the pilot it became, the jobs it ran, why it ended')
      .argument('<id>', 'worker id', idArg),
  ).action(async (id, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const { worker } = await workersApi(client).getWorker(id);
    const jobs = worker.pilot ? (await client.listJobs({ pilot: worker.pilot.id, limit: 100 })).jobs : [];
    if (out.json) return out.data({ worker, jobs });
    printWorker(out, worker);
    out.line('jobs');
    if (jobs.length === 0) out.line(out.dim(worker.pilot ? '  (none)' : '  (no pilot registered)'));
    for (const j of jobs) out.line(`  ${j.id}  ${out.jobState(j.state)}  ${j.name}`);
  });

  withClientOptions(
    workers
      .command('kill')
      .description("remove workers from the batch system (scancel, condor_rm) at the factory's next cycle")
      .argument('<ids...>', 'worker ids'),
  ).action(async (ids, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const api = workersApi(client);
    const results: { id: string; ok: boolean; error?: { code: string; message: string } }[] = [];
    for (const id of ids) {
      try {
        const { worker } = await api.killWorker(idArg(id));
        results.push({ id, ok: true });
        if (!out.json)
          out.line(
            `worker ${worker.id} (${worker.batchId}): removal requested; the factory removes it at its next cycle`,
          );
      } catch (error) {
        if (!(error instanceof ApiError) && !(error instanceof InvalidArgumentError)) throw error;
        const code = error instanceof ApiError ? error.code : 'validation_failed';
        results.push({ id, ok: false, error: { code, message: error.message } });
        out.note(`p3s: worker ${id}: ${error.message}`);
      }
    }
    if (out.json) out.data({ results });
    if (results.some((r) => !r.ok)) throw new Exit(1);
  });
}

/** Why a worker is where it is: its failure and the batch system's words, or who removed it. */
function why(w: WorkerWire): string {
  const parts = [
    w.failure,
    w.exitCode !== null && w.endedAt ? `exit ${w.exitCode}` : null,
    w.cancelledBy ? `cancelled by ${w.cancelledBy}` : null,
    w.reason,
  ].filter(Boolean);
  return parts.join(': ');
}

function printWorker(out: Output, w: WorkerWire): void {
  const time = (ms: number | null) => (ms === null ? '-' : formatTime(ms));
  const rows: [string, string][] = [
    ['site', w.site],
    ['batch', `${w.batchSystem} ${w.batchId ?? '(refused)'}`],
    ['state', w.state],
    ['submitted', time(w.submittedAt)],
    ['started', time(w.startedAt)],
    ['ended', time(w.endedAt)],
    [
      'pilot',
      w.pilot
        ? `${w.pilot.id} (${w.pilot.uuid}) ${w.pilot.state}, ${w.pilot.jobsRun} job(s) run`
        : '- (never registered)',
    ],
    ['exit code', w.exitCode === null ? '-' : String(w.exitCode)],
    ['failure', w.failure ?? '-'],
    ['reason', w.reason ?? '-'],
    [
      'removal',
      w.killRequested ? `requested by ${w.killRequested.by} at ${formatTime(w.killRequested.at)}` : '-',
    ],
    ['cancelled by', w.cancelledBy ?? '-'],
    ['factory', w.factory ?? '-'],
    ['pilot log', w.logPath ?? '-'],
  ];
  out.line(`worker ${w.id}`);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) out.line(`  ${key.padEnd(width)}  ${value}`);
}
