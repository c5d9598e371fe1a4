// `p3s job …`: the job command group (submit, list, show, logs, why, kill, retry, delete, adjust).

import type { Command } from '@commander-js/extra-typings';
import { addControlCommands } from './job-control.ts';
import { addListCommands } from './job-list.ts';
import { addLogsCommand } from './job-logs.ts';
import { addSubmitCommand } from './job-submit.ts';
import { addWhyCommand } from './job-why.ts';

export function addJobCommands(program: Command): void {
  const job = program.command('job').description('submit, list, inspect and control jobs');
  addSubmitCommand(job);
  addListCommands(job);
  addLogsCommand(job);
  addWhyCommand(job);
  addControlCommands(job);
}
