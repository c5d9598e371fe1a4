// Shutdown on SIGINT/SIGTERM for the long-running commands: the first signal starts a clean
// stop, a second one forces the exit (after `onForce`, e.g. killing child pilots).

import { keepRunningWithoutOutput } from './closed-output.ts';

export function waitForStopSignal(onForce: () => void = () => {}): Promise<NodeJS.Signals> {
  // Only a signal ends a running server: a closed output pipe must not skip the clean stop.
  keepRunningWithoutOutput();
  return new Promise((resolve) => {
    let received = false;
    const handler = (signal: NodeJS.Signals) => {
      if (!received) {
        received = true;
        resolve(signal);
        return;
      }
      process.stderr.write('\np3s: second signal, forcing exit\n');
      onForce();
      process.exit(130);
    };
    // The handlers stay installed so that a signal during the clean stop does not kill us half-way.
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** A stopped server must not be kept alive by a stray handle: exit anyway after `ms`. */
export function exitSoon(ms = 3000): void {
  setTimeout(() => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0), ms).unref();
}

/**
 * While a command only watches work that runs on the server (`--wait`, `watch`), Ctrl-C ends the
 * watching, not the work: say so, with `lines` telling how to follow or stop it, then exit
 * 128 + the signal number. Returns the function that uninstalls the handler.
 */
export function explainInterrupt(write: (text: string) => void, lines: () => string[]): () => void {
  const handler = (signal: NodeJS.Signals) => {
    write(['', ...lines()].join('\n'));
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
