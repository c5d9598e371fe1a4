// Entry point of the `p3s` command (imported by bin/p3s.js): runs the CLI on process.argv.
// A bare --version needs no command tree: it is answered before commander is loaded.

import { P3S_VERSION } from '../core/version.ts';
import { handleClosedOutput } from './closed-output.ts';

// `p3s job logs 7 | head` closes the pipe early; that is not an error.
handleClosedOutput();

const first = process.argv[2];
if (first === '--version' || first === '-V') {
  // As commander's version option: it acts where it stands, whatever follows.
  process.stdout.write(`${P3S_VERSION}\n`);
} else {
  const { main } = await import('./program.ts');
  process.exitCode = await main(process.argv);
}
