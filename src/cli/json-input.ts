// Reading one JSON document given on the command line: a file, `-` for stdin, or (as P3S's
// clients allowed) the JSON text itself. Errors name the file, line and column.

import { readFileSync, statSync } from 'node:fs';
import { CliError } from './errors.ts';
import { parseJsonText } from './json-text.ts';

export interface JsonInput {
  /** File name (or `<stdin>`, `<argument>`) used in messages. */
  source: string;
  value: unknown;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export async function loadJsonInput(
  arg: string,
  what: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<JsonInput> {
  if (arg === '-') return { source: '<stdin>', value: parseJsonText(await readAll(stdin), '<stdin>') };
  let isFile = false;
  try {
    isFile = statSync(arg).isFile();
  } catch {
    // not a file: maybe the JSON text itself
  }
  if (isFile) {
    let text: string;
    try {
      text = readFileSync(arg, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${arg}: ${(error as Error).message}`);
    }
    return { source: arg, value: parseJsonText(text, arg) };
  }
  if (/^\s*[[{]/.test(arg)) return { source: '<argument>', value: parseJsonText(arg, '<argument>') };
  throw new CliError(`no such file: ${arg}`, {
    lines: [`  give ${what} as a file, - for stdin, or the JSON text itself`],
  });
}
