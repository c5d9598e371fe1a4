// `p3s purge`: removes old jobs, pilots or workflows through the server, page by page, never
// running work (P3S purge.py without its eval). With --export every record is appended to a
// JSON-lines file, and flushed to disk, before it is deleted.

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { type Command, Option } from '@commander-js/extra-typings';
import { formatIds } from '../../core/format.ts';
import { PURGE_STATES, PURGE_TARGETS, type PurgeTarget } from '../../core/retention.ts';
import { ApiError, type P3sClient } from '../../protocol/client.ts';
import type { PurgeBody, PurgeReply } from '../../protocol/schemas/purge.ts';
import { durationArg, listArg } from '../args.ts';
import { CliError } from '../errors.ts';
import { connect, output, withClientOptions } from './common.ts';

const PAGE = 500;

interface PurgeSummary {
  what: PurgeTarget;
  olderThan: string;
  before: number | null;
  states: string[];
  dryRun: boolean;
  ids: number[];
  /** Exported but not deleted: they changed between the export and the delete. */
  kept: number[];
  exported: string | null;
}

export function addPurgeCommand(program: Command): void {
  withClientOptions(
    program
      .command('purge')
      .description('delete old ended jobs, pilots or workflows (never running work)')
      .addOption(
        new Option('--older-than <duration>', 'only records last changed longer ago than this, e.g. 30d, 12h')
          .argParser((value) => {
            durationArg(value);
            return value;
          })
          .makeOptionMandatory(),
      )
      .addOption(
        new Option('-w, --what <kind>', 'what to purge').choices(PURGE_TARGETS).default('jobs' as const),
      )
      .addOption(
        new Option(
          '-s, --state <states>',
          'only these states (comma list; default: the ended states)',
        ).argParser(listArg),
      )
      .addOption(new Option('--dry-run', 'show what would be purged, delete nothing'))
      .addOption(new Option('--export <file>', 'first append every record to this JSON-lines file')),
  ).action(async (opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    const base: PurgeBody = {
      what: opts.what,
      olderThan: opts.olderThan,
      ...(opts.state === undefined ? {} : { states: opts.state }),
      limit: PAGE,
    };
    const fd = opts.export === undefined ? null : openExport(opts.export);
    let summary: PurgeSummary;
    try {
      summary = await purgeAll(client, base, opts.dryRun === true, fd);
    } catch (error) {
      throw asFlagError(error);
    } finally {
      if (fd !== null) closeSync(fd);
    }
    summary.exported = opts.export ?? null;
    if (out.json) return out.data(summary);
    const n = summary.ids.length;
    const noun = n === 1 ? opts.what.replace(/s$/, '') : opts.what;
    const states = summary.states.join(', ');
    out.line(
      `${summary.dryRun ? 'would purge' : 'purged'} ${n} ${noun} older than ${opts.olderThan} (${states})` +
        (n > 0 ? `: ${shortIds(summary.ids)}` : ''),
    );
    if (opts.export !== undefined) out.note(`exported to ${opts.export}`);
    if (summary.kept.length > 0) out.note(`exported but kept (changed meanwhile): ${shortIds(summary.kept)}`);
  });
}

/** Pages through every match; with an export, each page is written and synced before it is deleted. */
async function purgeAll(
  client: P3sClient,
  base: PurgeBody,
  dryRun: boolean,
  fd: number | null,
): Promise<PurgeSummary> {
  const summary: PurgeSummary = {
    what: base.what,
    olderThan: base.olderThan,
    before: null,
    states: base.states ?? [...PURGE_STATES[base.what].default],
    dryRun,
    ids: [],
    kept: [],
    exported: null,
  };
  let afterId: number | null = 0;
  while (afterId !== null) {
    let page: PurgeReply;
    if (dryRun || fd === null) {
      page = await client.purge({ ...base, afterId, dryRun, records: fd !== null });
      if (fd !== null) writeRecords(fd, page.records);
      summary.ids.push(...page.ids);
    } else {
      page = await client.purge({ ...base, afterId, dryRun: true, records: true });
      writeRecords(fd, page.records);
      if (page.ids.length > 0) {
        const deleted = await client.purge({ ...base, ids: page.ids, dryRun: false });
        summary.ids.push(...deleted.ids);
        summary.kept.push(...page.ids.filter((id) => !deleted.ids.includes(id)));
      }
    }
    summary.before = page.before;
    summary.states = page.states;
    afterId = page.next;
  }
  return summary;
}

/** The server names body fields; the user typed flags: a refused value is a usage error on its flag. */
function asFlagError(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  const flags: Record<string, string> = { '/body/states': '--state', '/body/olderThan': '--older-than' };
  const issue = error.details.find((d) => flags[d.path] !== undefined);
  return issue ? new CliError(`${flags[issue.path]}: ${issue.message}`, { exitCode: 2 }) : error;
}

function openExport(path: string): number {
  try {
    return openSync(path, 'a');
  } catch (error) {
    throw new CliError(`cannot open the export file ${path}: ${(error as Error).message}`);
  }
}

function writeRecords(fd: number, records: unknown[]): void {
  if (records.length === 0) return;
  writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  fsyncSync(fd);
}

/** `1-5 9 12` for up to 40 ids, then `… and N more`. */
function shortIds(ids: number[]): string {
  const shown = formatIds(ids.slice(0, 40));
  return ids.length > 40 ? `${shown} … and ${ids.length - 40} more` : shown;
}
