// The `p3s` command tree and main(argv) → exit code: 0 ok, 1 failure, 2 usage error.
// Start-up cost is per command: main() loads only the module of the command group named on the
// line (every group for help, a misspelt command or none at all; no group for a bare --version).

import { Command, CommanderError } from '@commander-js/extra-typings';
import { P3S_VERSION } from '../core/version.ts';

type AddCommands = (program: Command) => void;

/** Each top-level command and how to load what adds it, in the order help lists them. */
const GROUPS: Record<string, () => Promise<AddCommands>> = {
  up: async () => (await import('./commands/up.ts')).addUpCommand,
  server: async () => (await import('./commands/server.ts')).addServerCommand,
  job: async () => (await import('./commands/job.ts')).addJobCommands,
  summary: async () => (await import('./commands/summary.ts')).addSummaryCommand,
  pilot: async () => (await import('./commands/pilot.ts')).addPilotCommand,
  pilots: async () => (await import('./commands/pilots.ts')).addPilotsCommands,
  dag: async () => (await import('./commands/dag.ts')).addDagCommands,
  workflow: async () => (await import('./commands/workflow.ts')).addWorkflowCommands,
  datatype: async () => (await import('./commands/datatype.ts')).addDatatypeCommands,
  dataset: async () => (await import('./commands/dataset.ts')).addDatasetCommands,
  inject: async () => (await import('./commands/inject.ts')).addInjectCommand,
  site: async () => (await import('./commands/site.ts')).addSiteCommands,
  'retry-rule': async () => (await import('./commands/retry-rule.ts')).addRetryRuleCommands,
  factory: async () => (await import('./commands/factory.ts')).addFactoryCommand,
  workers: async () => (await import('./commands/workers.ts')).addWorkersCommands,
  run: async () => (await import('./commands/run.ts')).addRunCommand,
  purge: async () => (await import('./commands/purge.ts')).addPurgeCommand,
  token: async () => (await import('./commands/token.ts')).addTokenCommands,
  whoami: async () => (await import('./commands/token.ts')).addWhoamiCommand,
  audit: async () => (await import('./commands/audit.ts')).addAuditCommand,
  doctor: async () => (await import('./commands/doctor.ts')).addDoctorCommand,
};

/**
 * The groups `args` (argv without node and the script) needs: the one it names, none for a bare
 * --version (commander handles options in order), else all (help, typos and their suggestions).
 * The root takes no option with a value, so the first word not starting with `-` is the command.
 */
export function groupsFor(args: string[]): string[] {
  const end = args.indexOf('--');
  const word = (end === -1 ? args : args.slice(0, end)).find((a) => !a.startsWith('-'));
  if (word !== undefined && Object.hasOwn(GROUPS, word)) return [word];
  if (word === undefined && (args[0] === '-V' || args[0] === '--version')) return [];
  return Object.keys(GROUPS);
}

/** The command tree with the given groups (default: all of them). */
export async function buildProgram(groups: string[] = Object.keys(GROUPS)): Promise<Command> {
  const adders = await Promise.all(groups.map((name) => (GROUPS[name] as () => Promise<AddCommands>)()));
  const program = new Command('p3s')
    .description('p3s: pilot-based workload management. Submit jobs; pilots claim and run them.')
    .version(P3S_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Before any subcommand is added, so that they all inherit it: usage errors reach main().
    .exitOverride()
    .showHelpAfterError('(see --help)');
  for (const add of adders) add(program);
  program.addHelpText(
    'after',
    `
Environment: P3S_HOME (data dir), P3S_SERVER, P3S_TOKEN, P3S_TOKEN_FILE, P3S_CA_FILE, P3S_PORT,
P3S_DATABASE_URL, P3S_READ_POLICY, P3S_TLS_CERT, P3S_TLS_KEY, P3S_SITE, P3S_JOBLOG, NO_COLOR.
Quick start: p3s up   (then, in another terminal: p3s job submit FILE --wait)`,
  );
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(groupsFor(argv.slice(2)));
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    // Commander has printed its own message (or the help / version) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const { reportError } = await import('./errors.ts');
    return reportError(error);
  }
}
