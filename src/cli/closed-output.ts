// A closed stdout or stderr: the reader of the pipe went away (`p3s job logs 7 | head`, or
// `p3s up 2>&1 | tee up.log` with tee stopped by the same Ctrl-C). A short command whose stdout
// closed just ends, as `head` asked. A long-running one (server, pilot, up) goes on without its
// output, also when its log file's disk is full: exiting there would skip its clean stop and leave
// its pilots retrying against a server that is gone, or its jobs lost.

let keepRunning = false;

/** For the long-running commands: from now on a closed output no longer ends the process. */
export function keepRunningWithoutOutput(): void {
  keepRunning = true;
}

/** Installs the handlers on stdout and stderr; main.ts calls it before running a command. */
export function handleClosedOutput(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // A long-running command goes on without its output, whatever broke it (a closed pipe, a full disk).
    if (keepRunning) return;
    if (!closedPipe(error)) throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  // Nobody reads the remarks any more; the command still ends with its own exit code.
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (!keepRunning && !closedPipe(error)) throw error;
  });
}

function closedPipe(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
}
