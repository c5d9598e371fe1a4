// `p3s factory`: the pilot factory in the foreground. Each cycle it reconciles the workers of every
// provisioned site with the batch system, and submits pilots where jobs wait for them, within the
// site's limits (docs/guides/batch-systems.md).

import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { BATCH_SYSTEMS, type BatchSystem } from '../../core/provisioning.ts';
import { FACTORY_DEFAULTS, type FactoryOptions } from '../../factory/options.ts';
import { intArg, listArg, secondsArg } from '../args.ts';
import { Exit } from '../errors.ts';
import { binPath } from '../local-pilots.ts';
import { resolveCaFile, resolveDataDir, resolveServerUrl, resolveToken } from '../settings.ts';
import { caFileOption, dataDirOption, serverOption, tokenOption } from './common.ts';
import { LOG_LEVELS } from './pilot.ts';

export interface FactoryFlags {
  dir?: string;
  every: number;
  site?: string[];
  batch?: BatchSystem[];
  pilotServer?: string;
  pilotCommand?: string;
  pilotCaFile?: string;
  grace: number;
  once?: true;
  logLevel: string;
  server?: string;
  token?: string;
  caFile?: string;
  dataDir?: string;
}

/** FactoryOptions from flags and environment; `pilotCommand` defaults to this p3s on this node. */
export async function factoryOptionsFrom(
  flags: FactoryFlags,
  env: Record<string, string | undefined> = process.env,
): Promise<FactoryOptions> {
  const dataDir = resolveDataDir(flags.dataDir, env);
  const server = resolveServerUrl(flags.server, dataDir, env).url;
  const { pilotCommandFor } = await import('../../factory/main.ts');
  return {
    server,
    token: resolveToken(flags.token, dataDir, server, env).token,
    caFile: resolveCaFile(flags.caFile, env).caFile,
    dir: flags.dir ?? join(dataDir, FACTORY_DEFAULTS.dirName),
    intervalSeconds: flags.every,
    sites: flags.site ?? [],
    batchSystems: flags.batch ?? [],
    pilotServer: flags.pilotServer ?? server,
    pilotCommand: flags.pilotCommand ?? pilotCommandFor(process.execPath, binPath()),
    pilotCaFile: flags.pilotCaFile ?? null,
    once: flags.once === true,
    logLevel: flags.logLevel,
    graceSeconds: flags.grace,
  };
}

function batchSystemsArg(value: string): BatchSystem[] {
  const names = listArg(value);
  const unknown = names.filter((n) => !(BATCH_SYSTEMS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown batch system ${unknown.join(', ')} (one of: ${BATCH_SYSTEMS.join(', ')}).`,
    );
  return names as BatchSystem[];
}

export function addFactoryCommand(program: Command): void {
  program
    .command('factory')
    .description("submit pilots through the sites' batch systems where jobs wait for them (Ctrl-C stops it)")
    .addOption(
      new Option('--dir <dir>', 'pilot tokens, scripts and batch logs (default: <data dir>/factory)'),
    )
    .addOption(
      new Option('--every <s>', 'seconds between cycles')
        .argParser(secondsArg(1))
        .default(FACTORY_DEFAULTS.intervalSeconds as number),
    )
    .addOption(
      new Option(
        '--site <names>',
        'only these sites (comma list; default: every provisioned site)',
      ).argParser(listArg),
    )
    .addOption(
      new Option(
        '--batch <systems>',
        `only sites of these batch systems (${BATCH_SYSTEMS.join(', ')})`,
      ).argParser(batchSystemsArg),
    )
    .addOption(
      new Option(
        '--pilot-server <url>',
        'the server URL as pilots on the nodes reach it (default: --server)',
      ),
    )
    .addOption(
      new Option(
        '--pilot-command <shell>',
        "how nodes run p3s when the site's pilotCommand does not say (default: this node and p3s)",
      ),
    )
    .addOption(
      new Option('--pilot-ca-file <file>', 'a CA file (path on the nodes) for pilots of an https:// server'),
    )
    .addOption(
      new Option(
        '--grace <s>',
        'seconds a new worker may be missing from the batch queue before it counts as lost',
      )
        .argParser(intArg(0, 86_400))
        .default(FACTORY_DEFAULTS.graceSeconds as number),
    )
    .addOption(new Option('--once', 'run one cycle and exit (1 if a site failed)'))
    .addOption(
      new Option('--log-level <level>', 'factory log level').choices(LOG_LEVELS).default('info' as const),
    )
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption())
    .action(async (opts) => {
      const options = await factoryOptionsFrom(opts);
      const { runFactory } = await import('../../factory/main.ts');
      const code = await runFactory(options);
      if (code !== 0) throw new Exit(code);
    });
}
