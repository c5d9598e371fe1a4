// The `p3s` command tree and main(argv) → exit code: 0 ok, 1 failure, 2 usage error.

import { Command, CommanderError } from '@commander-js/extra-typings';
import { P3S_VERSION } from '../core/version.ts';
import { addAuditCommand } from './commands/audit.ts';
import { addDagCommands } from './commands/dag.ts';
import { addDatasetCommands } from './commands/dataset.ts';
import { addDatatypeCommands } from './commands/datatype.ts';
import { addDoctorCommand } from './commands/doctor.ts';
import { addFactoryCommand } from './commands/factory.ts';
import { addInjectCommand } from './commands/inject.ts';
import { addJobCommands } from './commands/job.ts';
import { addPilotCommand } from './commands/pilot.ts';
import { addPilotsCommands } from './commands/pilots.ts';
import { addPurgeCommand } from './commands/purge.ts';
import { addRunCommand } from './commands/run.ts';
import { addServerCommand } from './commands/server.ts';
import { addSiteCommands } from './commands/site.ts';
import { addSummaryCommand } from './commands/summary.ts';
import { addTokenCommands, addWhoamiCommand } from './commands/token.ts';
import { addUpCommand } from './commands/up.ts';
import { addWorkersCommands } from './commands/workers.ts';
import { addWorkflowCommands } from './commands/workflow.ts';
import { reportError } from './errors.ts';

export function buildProgram(): Command {
  const program = new Command('p3s')
    .description('p3s: pilot-based workload management. Submit jobs; pilots claim and run them.')
    .version(P3S_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    // Before any subcommand is added, so that they all inherit it: usage errors reach main().
    .exitOverride()
    .showHelpAfterError('(see --help)');
  addUpCommand(program);
  addServerCommand(program);
  addJobCommands(program);
  addSummaryCommand(program);
  addPilotCommand(program);
  addPilotsCommands(program);
  addDagCommands(program);
  addWorkflowCommands(program);
  addDatatypeCommands(program);
  addDatasetCommands(program);
  addInjectCommand(program);
  addSiteCommands(program);
  addFactoryCommand(program);
  addWorkersCommands(program);
  addRunCommand(program);
  addPurgeCommand(program);
  addTokenCommands(program);
  addWhoamiCommand(program);
  addAuditCommand(program);
  addDoctorCommand(program);
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
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    // Commander has printed its own message (or the help / version) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    return reportError(error);
  }
}
