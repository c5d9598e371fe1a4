// Entry point of the `p3s` command (imported by bin/p3s.js): runs the CLI on process.argv.

import { handleClosedOutput } from './closed-output.ts';
import { main } from './program.ts';

// `p3s job logs 7 | head` closes the pipe early; that is not an error.
handleClosedOutput();

process.exitCode = await main(process.argv);
