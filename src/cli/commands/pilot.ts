// `p3s pilot`: runs one pilot in the foreground (P3S pilot.py knobs and defaults), and the
// pilot flags shared with `p3s pilots start`.

import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option, type OptionValues } from '@commander-js/extra-typings';
import { DEFAULTS } from '../../core/defaults.ts';
import type { RunAs } from '../../pilot/main.ts';
import {
  DEFAULT_MEMORY_GRACE,
  MAX_SLOTS,
  type PilotOptions,
  SITE_SETTINGS,
  type SiteSetting,
  slotUuidProblem,
} from '../../pilot/options.ts';
import { bytesArg, intArg, listArg, secondsArg, uuidArg } from '../args.ts';
import { keepRunningWithoutOutput } from '../closed-output.ts';
import { CliError, Exit } from '../errors.ts';
import { ensureLocalPilotsToken } from '../local-pilot-token.ts';
import type { Output } from '../output.ts';
import {
  resolveCaFile,
  resolveDataDir,
  resolveServerUrl,
  resolveToken,
  type TokenSource,
} from '../settings.ts';
import { caFileOption, dataDirOption, output, serverOption, tokenOption } from './common.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Adds the pilot flags; `cycles` defaults differ (1 in the foreground as in P3S, 0 for background pilots). */
export function withPilotOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(
  cmd: Command<A, O, G>,
  cyclesDefault: number,
) {
  return cmd
    .addOption(
      new Option('-c, --cycles <n>', 'claim cycles, each waiting up to --period for a job; 0 = until stopped')
        .argParser(intArg(0))
        .default(cyclesDefault),
    )
    .addOption(
      new Option('-p, --period <s>', 'seconds one claim waits for a job')
        .argParser(secondsArg(0))
        .default(DEFAULTS.pilotPeriodSeconds as number),
    )
    .addOption(
      new Option('-b, --beat <s>', 'heartbeat interval in seconds while a job runs')
        .argParser(secondsArg(0.05))
        .default(DEFAULTS.pilotBeatSeconds as number),
    )
    .addOption(
      new Option('-s, --site <name>', 'site name (default: $P3S_SITE; none: take jobs without a site)'),
    )
    .addOption(
      new Option(
        '-t, --jobtypes <types>',
        'accept only these job types (comma list; default: any)',
      ).argParser(listArg),
    )
    .addOption(
      new Option('--work-dir <dir>', 'where jobs run, one directory each (default: <data dir>/work)'),
    )
    .addOption(
      new Option(
        '--joblog-dir <dir>',
        'local copies of job stdout/stderr (default: $P3S_JOBLOG or <data dir>/joblogs)',
      ),
    )
    .addOption(
      new Option(
        '--lifetime <s>',
        'seconds this pilot may live (it takes no job whose time limit is longer than what is left); 0 = unlimited',
      )
        .argParser(intArg(0))
        .default(0),
    )
    .addOption(
      new Option('--timefloor <s>', 'take no new job with less lifetime than this left')
        .argParser(intArg(0))
        .default(0),
    )
    .addOption(
      new Option('--idle-exit <s>', 'exit after this many seconds without a job; 0 = never')
        .argParser(intArg(0))
        .default(0),
    )
    .addOption(new Option('-e, --batch-id <text>', 'free text stored with the pilot, e.g. the batch job id'))
    .addOption(
      new Option('--max-outage <s>', 'give up after the server has been unreachable this long')
        .argParser(secondsArg(0, true))
        .default(DEFAULTS.maxOutageSeconds as number),
    )
    .addOption(
      new Option('--kill-grace <s>', 'seconds between SIGTERM and SIGKILL when killing a payload')
        .argParser(secondsArg(0))
        .default(DEFAULTS.killGraceSeconds as number),
    )
    .addOption(
      new Option(
        '--min-free <bytes>',
        'take no jobs while the work or job log dir has less free space, e.g. 16MiB',
      )
        .argParser(bytesArg(0))
        .default(DEFAULTS.pilotMinFreeBytes as number, '16MiB'),
    )
    .addOption(
      new Option(
        '--memory <MiB>',
        "memory this pilot offers: it takes no job asking more, and it limits jobs that ask none (default: the node's)",
      ).argParser(intArg(1)),
    )
    .addOption(
      new Option(
        '--cores <n>',
        "cores this pilot offers: it takes no job asking more (default: the node's)",
      ).argParser(intArg(1)),
    )
    .addOption(
      new Option(
        '--disk <MiB>',
        'work dir space this pilot offers: it takes no job asking more, and it limits jobs that ask none (default: its free space)',
      ).argParser(intArg(1)),
    )
    .addOption(
      new Option('--memory-grace <factor>', 'kill a payload using more than its memory request times this')
        .argParser(factorArg)
        .default(DEFAULT_MEMORY_GRACE),
    )
    .addOption(
      new Option(
        '--looping-after <s>',
        'kill a payload that used no CPU and changed no file this long; 0 = never',
      )
        .argParser(secondsArg(0))
        .default(0),
    )
    .addOption(new Option('-x, --shell', 'run every payload through /bin/sh -c (P3S -x)'))
    .addOption(
      new Option(
        '--payload-user <name>',
        'run payloads as this user, not as the pilot (the pilot must run as root; see docs/guides/security.md)',
      ),
    )
    .addOption(
      new Option('--log-level <level>', 'pilot log level').choices(LOG_LEVELS).default('info' as const),
    )
    .addOption(
      // Internal, from `p3s pilots start`: which of -c/-p/-b its user gave (the site sets the rest).
      new Option('--explicit <settings>', 'settings given explicitly: cycles, period, beat')
        .argParser(siteSettingsArg)
        .hideHelp(),
    )
    .addOption(serverOption())
    .addOption(tokenOption())
    .addOption(caFileOption())
    .addOption(dataDirOption());
}

/** A factor of at least 1 (a payload may always use what it asked for). */
function factorArg(value: string): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isFinite(n) || n < 1)
    throw new InvalidArgumentError(`expected a number of at least 1, got "${value}".`);
  return n;
}

function siteSettingsArg(value: string): SiteSetting[] {
  const names = listArg(value);
  const unknown = names.filter((n) => !(SITE_SETTINGS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown setting ${unknown.join(', ')}.`);
  return names as SiteSetting[];
}

/**
 * The settings given explicitly: what a parent `p3s pilots start` passed down with --explicit,
 * else the flags typed on this command line (their values win over the site's).
 */
export function explicitSettings(
  cmd: { getOptionValueSource(key: string): string | undefined },
  passedDown: SiteSetting[] | undefined,
): SiteSetting[] {
  if (passedDown !== undefined) return passedDown;
  // The settings are named as their options (--cycles, --period, --beat).
  return SITE_SETTINGS.filter((setting) => cmd.getOptionValueSource(setting) === 'cli');
}

export interface PilotFlags {
  cycles: number;
  period: number;
  beat: number;
  site?: string;
  jobtypes?: string[];
  workDir?: string;
  joblogDir?: string;
  lifetime: number;
  timefloor: number;
  idleExit: number;
  batchId?: string;
  maxOutage: number;
  killGrace: number;
  minFree: number;
  memory?: number;
  cores?: number;
  disk?: number;
  memoryGrace: number;
  loopingAfter: number;
  shell?: true;
  payloadUser?: string;
  logLevel: string;
  server?: string;
  token?: string;
  caFile?: string;
  dataDir?: string;
  explicit?: SiteSetting[];
}

/** A pilot's options, and where its token came from and its data dir (for pilotCredentials). */
export interface PilotSetup {
  options: PilotOptions;
  tokenSource: TokenSource;
  dataDir: string;
}

/** PilotOptions from flags and environment (P3S_SITE, P3S_JOBLOG, P3S_SERVER, P3S_TOKEN…, P3S_CA_FILE, P3S_HOME). */
export function pilotOptionsFrom(
  flags: PilotFlags,
  env: Record<string, string | undefined> = process.env,
): PilotSetup {
  const dataDir = resolveDataDir(flags.dataDir, env);
  const site = flags.site ?? (env.P3S_SITE?.trim() || null);
  const server = resolveServerUrl(flags.server, dataDir, env).url;
  const { token, source: tokenSource } = resolveToken(flags.token, dataDir, server, env);
  const options: PilotOptions = {
    server,
    token,
    ...(tokenSource === 'P3S_TOKEN_FILE' && { tokenFile: env.P3S_TOKEN_FILE?.trim() }),
    caFile: resolveCaFile(flags.caFile, env).caFile,
    site,
    jobTypes: flags.jobtypes ?? [],
    cycles: flags.cycles,
    period: flags.period,
    beat: flags.beat,
    workDir: flags.workDir ?? join(dataDir, DEFAULTS.workDir),
    joblogDir: flags.joblogDir ?? (env.P3S_JOBLOG?.trim() || join(dataDir, DEFAULTS.joblogDir)),
    lifetime: flags.lifetime,
    timefloor: flags.timefloor,
    idleExit: flags.idleExit,
    batchId: flags.batchId ?? null,
    maxOutage: flags.maxOutage,
    killGrace: flags.killGrace,
    minFreeBytes: flags.minFree,
    ...(flags.memory !== undefined && { memoryMiB: flags.memory }),
    ...(flags.cores !== undefined && { cores: flags.cores }),
    ...(flags.disk !== undefined && { diskMiB: flags.disk }),
    memoryGrace: flags.memoryGrace,
    loopingAfter: flags.loopingAfter,
    shell: flags.shell === true,
    ...(flags.payloadUser !== undefined && { payloadUser: flags.payloadUser }),
    logLevel: flags.logLevel,
  };
  return { options, tokenSource, dataDir };
}

/**
 * The credentials of a pilot this CLI starts: the local admin token is never one (any payload the
 * pilot runs as its own user could use it); such a pilot gets the data dir's local pilots token.
 */
export async function pilotCredentials(setup: PilotSetup, out: Output): Promise<PilotOptions> {
  const { options } = setup;
  if (setup.tokenSource !== 'admin.token' || options.token === undefined) return options;
  const local = await ensureLocalPilotsToken({
    dataDir: setup.dataDir,
    server: options.server,
    adminToken: options.token,
    caFile: options.caFile,
    note: (line) => out.note(line),
  });
  return { ...options, token: local.secret, tokenFile: local.file };
}

/**
 * Refuses --payload-user at once, with what to change, when the pilot could not keep its payloads
 * apart from itself; else the account they run as (a spawned pilot checks again at its start).
 */
export async function checkPayloadUser(
  options: PilotOptions,
  tokenSource: TokenSource,
): Promise<RunAs | undefined> {
  if (options.payloadUser === undefined) return undefined;
  if (tokenSource === 'flag')
    throw new CliError(
      `--payload-user ${options.payloadUser}: --token shows on the pilot's command line, which every user can read (ps); give the token by P3S_TOKEN or P3S_TOKEN_FILE`,
      { exitCode: 2 },
    );
  const { PayloadUserError, preparePayloadUser } = await import('../../pilot/main.ts');
  try {
    return preparePayloadUser({ ...options, payloadUser: options.payloadUser });
  } catch (error) {
    if (error instanceof PayloadUserError) throw new CliError(error.message, { exitCode: 2 });
    throw error;
  }
}

export function addPilotCommand(program: Command): void {
  withPilotOptions(
    program.command('pilot').description('run a pilot here in the foreground: claim jobs and run them'),
    1,
  )
    .addOption(new Option('--uuid <uuid>', 'pilot uuid (default: a new random one)').argParser(uuidArg))
    .addOption(
      new Option(
        '--slots <n>',
        "jobs run at once: each slot is a pilot of its own to the server, offering its share of the node's memory, cores and disk; -c, --lifetime and --idle-exit count per slot",
      )
        .argParser(intArg(1, MAX_SLOTS))
        .default(1),
    )
    .action(async (opts, cmd) => {
      const uuidProblem = opts.uuid !== undefined && slotUuidProblem(opts.uuid, opts.slots);
      if (uuidProblem) throw new CliError(uuidProblem, { exitCode: 2 });
      const setup = pilotOptionsFrom(opts);
      const options = await pilotCredentials(setup, output({}));
      options.runAs = await checkPayloadUser(options, setup.tokenSource);
      options.explicit = explicitSettings(cmd, opts.explicit);
      if (opts.uuid !== undefined) options.uuid = opts.uuid;
      options.slots = opts.slots;
      // A pilot whose log pipe closed still ends its payload and reports it.
      keepRunningWithoutOutput();
      // Loaded on demand so client commands do not pay for the pilot's code.
      const { runPilot } = await import('../../pilot/main.ts');
      const code = await runPilot(options);
      if (code !== 0) throw new Exit(code);
    });
}
