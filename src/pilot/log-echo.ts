// Copies what a payload writes to its log files onto a terminal as it arrives (`p3s run`):
// the files stay the record, the echo is a view that polls them for new bytes.

import { closeSync, openSync, readSync } from 'node:fs';

const CHUNK = 64 * 1024;

/** Follows one file from its start, writing new bytes to `sink`. */
class FileFollower {
  private offset = 0;
  private readonly buffer = Buffer.alloc(CHUNK);

  constructor(
    private readonly path: string,
    private readonly sink: NodeJS.WritableStream,
  ) {}

  /** Copies every byte written since the last call. A missing file is simply not there yet. */
  pump(): void {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return;
    }
    try {
      for (;;) {
        const n = readSync(fd, this.buffer, 0, CHUNK, this.offset);
        if (n <= 0) return;
        this.offset += n;
        this.sink.write(Buffer.from(this.buffer.subarray(0, n)));
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** Echoes the .out and .err files to two streams every `everyMs` until stopped (with a last pump). */
export function echoLogs(
  paths: { out: string; err: string },
  sinks: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  everyMs = 100,
): { stop(): void } {
  const followers = [new FileFollower(paths.out, sinks.stdout), new FileFollower(paths.err, sinks.stderr)];
  const pump = () => {
    for (const follower of followers) follower.pump();
  };
  const timer = setInterval(pump, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      pump();
    },
  };
}
