// `p3s job kill|retry|delete|adjust ID…`: each id is handled on its own and reported on its
// own line; the command exits 1 when any of them failed.

import { type Command, Option } from '@commander-js/extra-typings';
import { ApiError } from '../../protocol/client.ts';
import type { AdjustJobBody, JobWire } from '../../protocol/schemas/jobs.ts';
import { collectEnvAssignment, collectEnvName, collectId, intArg } from '../args.ts';
import { CliError, Exit } from '../errors.ts';
import type { Output } from '../output.ts';
import { connect, output, withClientOptions } from './common.ts';

interface Done {
  text: string;
  job?: JobWire;
  immediate?: boolean;
  warning?: string;
}

/** Runs `fn` for every id; an API error fails that id only, a network error stops everything. */
async function forEachId(out: Output, ids: number[], fn: (id: number) => Promise<Done>): Promise<void> {
  const results: unknown[] = [];
  let failed = 0;
  for (const id of ids) {
    try {
      const done = await fn(id);
      results.push({
        id,
        ok: true,
        ...(done.job ? { job: done.job } : {}),
        ...(done.immediate === undefined ? {} : { immediate: done.immediate }),
        ...(done.warning === undefined ? {} : { warning: done.warning }),
      });
      if (!out.json) out.line(`job ${id}: ${done.text}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      failed++;
      results.push({
        id,
        ok: false,
        error: { code: error.code, message: error.message, details: error.details },
      });
      const message = new RegExp(`\\b${id}\\b`).test(error.message)
        ? error.message
        : `job ${id}: ${error.message}`;
      out.note(`p3s: ${message}`);
      for (const d of error.details) out.note(`  ${d.path.replace(/^\//, '')}: ${d.message}`);
    }
  }
  if (out.json) out.data({ results });
  if (failed > 0) throw new Exit(1);
}

function idsCommand(parent: Command, name: string, description: string) {
  return parent.command(name).description(description).argument('<ids...>', 'job ids', collectId);
}

export function addControlCommands(job: Command): void {
  withClientOptions(
    idsCommand(job, 'kill', 'cancel jobs; a running payload is killed at its next heartbeat'),
  ).action(async (ids, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    await forEachId(out, ids, async (id) => {
      const { job: j, immediate } = await client.killJob(id);
      const text = immediate
        ? out.jobState(j.state)
        : 'kill requested; its pilot stops it at the next heartbeat';
      return { text, job: j, immediate };
    });
  });

  withClientOptions(idsCommand(job, 'retry', 'run failed or cancelled jobs again (a new attempt)')).action(
    async (ids, opts) => {
      const out = output(opts);
      const { client } = connect(opts);
      await forEachId(out, ids, async (id) => {
        const { job: j, warning } = await client.retryJob(id);
        if (warning) out.note(`p3s: warning: job ${id}: ${warning}`);
        return { text: `retried, now ${out.jobState(j.state)}`, job: j, warning };
      });
    },
  );

  withClientOptions(
    idsCommand(job, 'delete', 'delete jobs that are not running (their history goes too)').alias('rm'),
  ).action(async (ids, opts) => {
    const out = output(opts);
    const { client } = connect(opts);
    await forEachId(out, ids, async (id) => {
      await client.deleteJob(id);
      return { text: 'deleted' };
    });
  });

  withClientOptions(
    idsCommand(job, 'adjust', 'change jobs that have not started: priority, time limit, env, state')
      .addOption(
        new Option('--priority <n>', 'new priority (higher runs first)').argParser(
          intArg(-1_000_000, 1_000_000),
        ),
      )
      .addOption(new Option('--timelimit <s>', 'new time limit in seconds').argParser(intArg(1, 315_360_000)))
      .addOption(
        new Option('--env <NAME=value>', 'set an env variable (repeatable)').argParser(collectEnvAssignment),
      )
      .addOption(
        new Option('--unset-env <NAME>', 'remove an env variable (repeatable)').argParser(collectEnvName),
      )
      .addOption(
        new Option('--state <state>', 'park (template) or release (defined)').choices([
          'defined',
          'template',
        ] as const),
      ),
  ).action(async (ids, opts) => {
    const out = output(opts);
    const changes = adjustBody(opts);
    const { client } = connect(opts);
    await forEachId(out, ids, async (id) => {
      const { job: j } = await client.adjustJob(id, changes);
      return { text: `adjusted (${describeAdjust(changes)}), ${out.jobState(j.state)}`, job: j };
    });
  });
}

/** The PATCH body from adjust flags; setting and unsetting the same variable is refused. */
export function adjustBody(opts: {
  priority?: number;
  timelimit?: number;
  env?: [string, string][];
  unsetEnv?: string[];
  state?: 'defined' | 'template';
}): AdjustJobBody {
  const body: AdjustJobBody = {};
  if (opts.priority !== undefined) body.priority = opts.priority;
  if (opts.timelimit !== undefined) body.timelimit = opts.timelimit;
  if (opts.env?.length || opts.unsetEnv?.length) {
    const env: Record<string, string | null> = {};
    for (const [name, value] of opts.env ?? []) env[name] = value;
    for (const name of opts.unsetEnv ?? []) {
      if (name in env) throw new CliError(`--env and --unset-env both name ${name}`, { exitCode: 2 });
      env[name] = null;
    }
    body.env = env;
  }
  if (opts.state !== undefined) body.state = opts.state;
  if (Object.keys(body).length === 0) {
    throw new CliError('nothing to change: give --priority, --timelimit, --env, --unset-env or --state', {
      exitCode: 2,
    });
  }
  return body;
}

function describeAdjust(changes: AdjustJobBody): string {
  const parts: string[] = [];
  if (changes.priority !== undefined) parts.push(`priority ${changes.priority}`);
  if (changes.timelimit !== undefined) parts.push(`timelimit ${changes.timelimit}s`);
  for (const [name, value] of Object.entries(changes.env ?? {}))
    parts.push(value === null ? `-${name}` : `${name}=${value}`);
  if (changes.state !== undefined) parts.push(`state ${changes.state}`);
  return parts.join(', ');
}
