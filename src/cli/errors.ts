// How the CLI fails: CliError for problems it reports itself, Exit for a bare exit
// code after the command already printed its results, and reportError for everything.

import { ApiError, NetworkError } from '../protocol/client.ts';
import { neutralise } from './terminal-text.ts';

/** A problem the CLI reports as `p3s: <message>`, plus one line per field issue and any extra lines. */
export class CliError extends Error {
  readonly details: { path: string; message: string }[];
  readonly lines: string[];
  readonly exitCode: number;
  constructor(
    message: string,
    options: {
      details?: { path: string; message: string }[];
      lines?: string[];
      exitCode?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.details = options.details ?? [];
    this.lines = options.lines ?? [];
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Ends the command with `code`; whatever had to be said was printed already. */
export class Exit extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.name = 'Exit';
    this.code = code;
  }
}

/** One line of a field issue: the JSON pointer without its leading slash. */
export function issueLine(path: string, message: string): string {
  const where = path.replace(/^\//, '');
  return where === '' ? `  ${message}` : `  ${where}: ${message}`;
}

/** The lines to print on stderr for `error`, each without a trailing newline. */
export function errorLines(error: unknown): string[] {
  if (error instanceof CliError) {
    return [
      `p3s: ${error.message}`,
      ...error.details.map((d) => issueLine(d.path, d.message)),
      ...error.lines,
    ];
  }
  if (error instanceof ApiError) {
    return [`p3s: ${error.message}`, ...error.details.map((d) => issueLine(d.path, d.message))];
  }
  if (error instanceof NetworkError) {
    // The server runs, its certificate did not pass: the reason says what to do.
    if (error.certificate) return [`p3s: ${error.message}`];
    // The client's reason may carry its own short hint; the full one follows on its own line.
    return [
      `p3s: ${error.message.replace(' (is the server running?)', '')}`,
      '  is the server running? start it with: p3s up   (or point --server / P3S_SERVER at it)',
    ];
  }
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      return [
        `p3s: ${error.message}`,
        '  the port is taken: is a p3s server already running? choose another with --port',
      ];
    }
    return [`p3s: ${error.message}`];
  }
  return [`p3s: ${String(error)}`];
}

/** Prints `error` and returns the exit code to use. */
export function reportError(
  error: unknown,
  stderr: { write(text: string): unknown } = process.stderr,
): number {
  if (error instanceof Exit) return error.code;
  // Messages quote names and paths that users chose: shown, never obeyed by the terminal.
  stderr.write(
    `${errorLines(error)
      .map((line) => neutralise(line, { multiline: false }))
      .join('\n')}\n`,
  );
  return error instanceof CliError ? error.exitCode : 1;
}
