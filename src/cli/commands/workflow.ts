// `p3s workflow create|start|cancel|retry|delete|list` (P3S workflow.py -a/-m/-d -w workflow);
// show and watch are in workflow-show.ts.

import { resolve } from 'node:path';
import { type Command, Option } from '@commander-js/extra-typings';
import { WORKFLOW_STATES } from '../../core/dag/readiness.ts';
import { ApiError } from '../../protocol/client.ts';
import type {
  WorkflowDetailWire,
  WorkflowListQuery,
  WorkflowWire,
} from '../../protocol/schemas/workflows.ts';
import { idArg, intArg, listArg } from '../args.ts';
import { CliError } from '../errors.ts';
import { readFileinfo, readJobinfo } from '../info-input.ts';
import { formatDuration, formatShortTime, type Output, truncate } from '../output.ts';
import { countsText } from '../workflow-progress.ts';
import { connect, idempotencyKeyOption, output, replayedNote, withClientOptions } from './common.ts';
import { addWorkflowShowCommands } from './workflow-show.ts';

export function addWorkflowCommands(program: Command): void {
  const workflow = program
    .command('workflow')
    .description('workflows: DAG templates made into jobs that run');

  withClientOptions(
    workflow
      .command('create')
      .description('make a workflow from a stored DAG')
      .argument('<dag>', 'DAG name (p3s dag list)')
      .addOption(new Option('-n, --name <name>', 'workflow name (default: the DAG name)'))
      .addOption(
        new Option('-s, --state <state>', 'template waits for `workflow start`; defined starts at once')
          .choices(['template', 'defined'] as const)
          .default('template' as const),
      )
      .addOption(
        new Option(
          '-f, --fileinfo <fileinfo>',
          'file names: sticky, inherit:PREFIX, or JSON {"SOURCE:TARGET[#N]": {name, dirpath, comment}} (inline or a file)',
        ),
      )
      .addOption(
        new Option(
          '-j, --jobinfo <jobinfo>',
          'per-vertex changes: JSON {"VERTEX": {payload, env, priority, timelimit, jobtype}}',
        ),
      )
      .addOption(
        new Option(
          '-o, --output-dir <dir>',
          "directory of every file fileinfo gives none (default: each edge's dirpath in the DAG)",
        ),
      )
      .addOption(new Option('-D, --description <text>', 'a description'))
      .addOption(idempotencyKeyOption()),
  ).action(async (dag, opts) => {
    const out = output(opts);
    const fileinfo = readFileinfo(opts.fileinfo);
    const jobinfo = readJobinfo(opts.jobinfo);
    let detail: WorkflowDetailWire & { replayed: boolean };
    try {
      const body = {
        dag,
        state: opts.state,
        ...(opts.name === undefined ? {} : { name: opts.name }),
        ...(opts.description === undefined ? {} : { description: opts.description }),
        ...(fileinfo === undefined ? {} : { fileinfo }),
        ...(jobinfo === undefined ? {} : { jobinfo }),
        ...(opts.outputDir === undefined ? {} : { dirpath: resolve(opts.outputDir) }),
      };
      detail = await connect(opts).client.createWorkflow(body, { idempotencyKey: opts.idempotencyKey });
    } catch (error) {
      if (!(error instanceof ApiError) || error.code !== 'validation_failed' || error.details.length === 0)
        throw error;
      const n = error.details.length;
      throw new CliError(
        `cannot create a workflow of ${dag}: ${n} problem${n === 1 ? '' : 's'}, nothing was stored`,
        {
          details: error.details,
        },
      );
    }
    if (detail.replayed) out.note(replayedNote(opts.idempotencyKey));
    if (out.json) return out.data(detail);
    const w = detail.workflow;
    out.line(
      `created workflow ${w.id} ${JSON.stringify(w.name)} from DAG ${w.dag}: ${detail.jobs.length} jobs, ` +
        `${detail.files.length} files, ${out.jobState(w.state)}`,
    );
    if (w.state === 'template') out.note(`start it with: p3s workflow start ${w.id}`);
    else out.note(`follow it with: p3s workflow watch ${w.id}`);
  });

  const simple = (
    name: string,
    description: string,
    verb: (client: ReturnType<typeof connect>['client'], id: number) => Promise<{ workflow: WorkflowWire }>,
    done: string,
  ) =>
    withClientOptions(
      workflow.command(name).description(description).argument('<id>', 'workflow id', idArg),
    ).action(async (id, opts) => {
      const out = output(opts);
      const { workflow: w } = await verb(connect(opts).client, id);
      if (out.json) return out.data({ workflow: w });
      out.line(`workflow ${w.id}: ${done}, now ${out.jobState(w.state)} (${countsText(w.counts)})`);
    });
  simple(
    'start',
    'start a template workflow: its source jobs are released',
    (c, id) => c.startWorkflow(id),
    'started',
  );
  simple(
    'cancel',
    'cancel every job not yet ended (running ones are killed by their pilots)',
    (c, id) => c.cancelWorkflow(id),
    'cancelled',
  );
  simple(
    'retry',
    'run failed (and killed) jobs again; the jobs they cancelled run after them',
    (c, id) => c.retryWorkflow(id),
    'retried',
  );

  withClientOptions(
    workflow
      .command('delete')
      .alias('rm')
      .description('delete a workflow with its jobs and files (not while a job runs: cancel it first)')
      .argument('<id>', 'workflow id', idArg),
  ).action(async (id, opts) => {
    const out = output(opts);
    await connect(opts).client.deleteWorkflow(id);
    if (out.json) out.data({ ok: true, id });
    else out.line(`deleted workflow ${id}`);
  });

  withClientOptions(
    workflow
      .command('list')
      .alias('ls')
      .description('list workflows, newest first')
      .addOption(
        new Option(
          '--state <states>',
          `only these states (comma list: ${WORKFLOW_STATES.join(', ')})`,
        ).argParser(workflowStatesArg),
      )
      .addOption(new Option('--dag <name>', 'only workflows made from this DAG'))
      .addOption(new Option('--user <name>', 'only workflows of this user'))
      .addOption(new Option('--limit <n>', 'show at most n (1-1000)').argParser(intArg(1, 1000)).default(50))
      .addOption(new Option('--offset <n>', 'skip the first n').argParser(intArg(0)).default(0)),
  ).action(async (opts) => {
    const out = output(opts);
    const query: WorkflowListQuery = {
      state: opts.state,
      dag: opts.dag,
      user: opts.user,
      limit: opts.limit,
      offset: opts.offset,
    };
    const page = await connect(opts).client.listWorkflows(query);
    if (out.json) return out.data(page);
    if (page.workflows.length === 0) return out.line('no workflows');
    printWorkflowTable(out, page.workflows);
    const last = page.offset + page.workflows.length;
    if (page.offset > 0 || last < page.total)
      out.line(out.dim(`${page.offset + 1}-${last} of ${page.total}`));
  });

  addWorkflowShowCommands(workflow);
}

function workflowStatesArg(value: string): string {
  const states = listArg(value);
  const unknown = states.filter((s) => !(WORKFLOW_STATES as readonly string[]).includes(s));
  if (states.length === 0 || unknown.length > 0) {
    throw new CliError(
      `unknown workflow state ${unknown.join(', ')} (one of: ${WORKFLOW_STATES.join(', ')})`,
      {
        exitCode: 2,
      },
    );
  }
  return states.join(',');
}

function printWorkflowTable(out: Output, workflows: WorkflowWire[]): void {
  const now = Date.now();
  out.table(
    ['ID', 'NAME', 'DAG', 'STATE', 'DONE', 'FAILED', 'CANCELLED', 'USER', 'CREATED', 'RAN'],
    workflows.map((w) => [
      w.id,
      truncate(w.name, 24),
      truncate(w.dag, 20),
      out.jobState(w.state),
      `${w.counts.finished ?? 0}/${w.counts.total ?? 0}`,
      w.counts.failed || '',
      w.counts.cancelled || '',
      w.user,
      formatShortTime(w.createdAt, now),
      w.startedAt === null
        ? ''
        : formatDuration((w.endedAt ?? now) - w.startedAt) + (w.endedAt === null ? '+' : ''),
    ]),
    { alignRight: [0, 4, 5, 6, 9] },
  );
}
