// Entry point of the `p3s` command (imported by bin/p3s.js): runs the CLI on process.argv.

import { main } from './program.ts';

// `p3s job logs 7 | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv);
