// `p3s workflow show ID` (the workflow, its jobs with states, its files) and `p3s workflow watch ID`
// (a live progress bar and per-state counts until it ends; exit 1 unless it finished).

import { type Command, Option } from '@commander-js/extra-typings';
import { monotonicNow } from '../../core/clock.ts';
import { MAX_READ_WAIT_SECONDS } from '../../core/defaults.ts';
import { NetworkError } from '../../protocol/client.ts';
import type { WorkflowDetailWire, WorkflowWire } from '../../protocol/schemas/workflows.ts';
import { idArg, secondsArg } from '../args.ts';
import { Exit } from '../errors.ts';
import { formatDuration, formatTime, type Output, truncate } from '../output.ts';
import { explainInterrupt } from '../signals.ts';
import { countsText, ENDED_WORKFLOW_STATES, progressBar } from '../workflow-progress.ts';
import { connect, output, sleep, withClientOptions } from './common.ts';
import { indentedTable, printFields } from './sections.ts';

/** How long the server may stay unreachable before watching gives up. */
const OUTAGE_LIMIT_MS = 60_000;

export function addWorkflowShowCommands(workflow: Command): void {
  withClientOptions(
    workflow
      .command('show')
      .description('show a workflow: its state, jobs and files')
      .argument('<id>', 'workflow id', idArg),
  ).action(async (id, opts) => {
    const out = output(opts);
    const detail = await connect(opts).client.getWorkflow(id);
    if (out.json) out.data(detail);
    else printWorkflow(out, detail);
  });

  withClientOptions(
    workflow
      .command('watch')
      .description(
        'follow a workflow until it ends: progress bar and jobs by state; exit 1 unless it finished',
      )
      .argument('<id>', 'workflow id', idArg)
      .addOption(
        new Option('--interval <s>', 'refresh at least this often (changes show at once)')
          .argParser(secondsArg(0.1, false, MAX_READ_WAIT_SECONDS))
          .default(1),
      ),
  ).action(async (id, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const live = out.stderr.isTTY === true && !out.json;
    let last = '';
    let unreachableSince: number | undefined;
    // Ctrl-C ends the watching; the workflow runs on (the process exits from the handler).
    const uninstall = explainInterrupt(
      (text) => out.note(text),
      () => [
        `p3s: stopped watching; workflow ${id} keeps running on the server.`,
        `  follow: p3s workflow watch ${id}   p3s workflow show ${id}`,
        `  cancel: p3s workflow cancel ${id}`,
      ],
    );
    // Each request is held by the server until the workflow changes (or --interval passes).
    let seen: string | undefined;
    const watch = async () => {
      for (;;) {
        let w: WorkflowWire;
        try {
          const detail = await client.getWorkflow(id, { wait: seen ? opts.interval : 0, seen });
          w = detail.workflow;
          seen = detail.version;
          unreachableSince = undefined;
        } catch (error) {
          if (!(error instanceof NetworkError)) throw error;
          unreachableSince ??= monotonicNow();
          if (monotonicNow() - unreachableSince > OUTAGE_LIMIT_MS) throw error;
          await sleep(2000);
          continue;
        }
        const ended = ENDED_WORKFLOW_STATES.includes(w.state);
        if (w.state === 'template' && last === '')
          out.note(`workflow ${w.id} is a template: start it with p3s workflow start ${w.id}`);
        const text = `workflow ${w.id} ${out.jobState(w.state)}  ${progressBar(w.counts)}  ${countsText(w.counts, (s) => out.jobState(s))}`;
        if (out.json) {
          if (text !== last || ended) out.jsonLine({ at: Date.now(), workflow: w });
        } else if (live) {
          out.status(text);
        } else if (text !== last) {
          out.note(text);
        }
        last = text;
        if (ended) {
          if (live) out.stderr.write('\n');
          if (!out.json) {
            const took =
              w.startedAt !== null && w.endedAt !== null
                ? ` in ${formatDuration(w.endedAt - w.startedAt)}`
                : '';
            out.line(`workflow ${w.id} ${out.jobState(w.state)}${took}`);
            if (w.state !== 'finished')
              out.line(out.dim(`see: p3s workflow show ${w.id}; p3s workflow retry ${w.id}`));
          }
          if (w.state !== 'finished') throw new Exit(1);
          return;
        }
      }
    };
    try {
      await watch();
    } finally {
      uninstall();
    }
  });
}

function printWorkflow(out: Output, { workflow: w, jobs, files }: WorkflowDetailWire): void {
  out.line(
    `workflow ${w.id} ${JSON.stringify(w.name)}  ${out.jobState(w.state)}  ${progressBar(w.counts, 20)}`,
  );
  const at = (ms: number | null) => (ms === null ? null : formatTime(ms));
  printFields(out, [
    ['uuid', w.uuid],
    ['dag', w.dag],
    ['user', w.user],
    ['description', w.description],
    ['jobs', countsText(w.counts, (s) => out.jobState(s))],
    ['created', at(w.createdAt)],
    ['started', at(w.startedAt)],
    [
      'ended',
      w.endedAt === null
        ? null
        : `${formatTime(w.endedAt)} (took ${formatDuration(w.endedAt - (w.startedAt ?? w.createdAt))})`,
    ],
  ]);
  out.line('jobs');
  const jobRows = jobs.map((j) => [
    j.id,
    j.name,
    out.jobState(j.state),
    j.jobtype,
    j.attempt,
    j.host ?? '',
    truncate([j.errorName, j.errorDiag].filter(Boolean).join(': '), 50),
  ]);
  out.line(indentedTable(out, ['ID', 'VERTEX', 'STATE', 'TYPE', 'ATT', 'HOST', 'ERROR'], jobRows, [0, 4]));
  if (files.length === 0) return;
  out.line('files');
  const fileRows = files.map((f) => [
    f.edgeIndex ?? '',
    `${f.source} → ${f.target}`,
    truncate(f.path, 60),
    f.state,
    f.datatag ? `$${f.datatag}` : '',
  ]);
  out.line(indentedTable(out, ['#', 'EDGE', 'PATH', 'STATE', 'ENV'], fileRows, [0]));
}
