// Reading the JSON-ish arguments of the workflow commands: FILEINFO (`sticky`, `inherit:PREFIX`, inline
// JSON or a file), JOBINFO and datatype JSON (inline or a file), with file:line:column on bad JSON.

import { readFileSync, statSync } from 'node:fs';
import { CliError } from './errors.ts';
import { parseJsonText } from './json-text.ts';

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** `arg` as JSON: the text itself when it starts with `{` or `[`, else the file it names. */
export function readJsonArgument(arg: string, what: string): unknown {
  if (/^\s*[[{]/.test(arg)) return parseJsonText(arg, `${what} argument`);
  if (!isFile(arg)) {
    throw new CliError(`${what}: no such file: ${arg}`, { lines: [`  give inline JSON or a JSON file`] });
  }
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${arg}: ${(error as Error).message}`);
  }
  return parseJsonText(text, arg);
}

/**
 * FILEINFO as the API takes it: `sticky` and `inherit:PREFIX` as they are, inline JSON or a JSON file
 * (P3S recognised a file by `.json` in its name; any existing file works here) as the object.
 */
export function readFileinfo(arg: string | undefined): string | Record<string, unknown> | undefined {
  if (arg === undefined) return undefined;
  const text = arg.trim();
  if (text === '' || text === 'sticky' || text.startsWith('inherit:')) return text;
  if (!text.startsWith('{') && !isFile(text)) {
    throw new CliError(`-f: "${arg}" is not a fileinfo`, {
      lines: ['  give sticky, inherit:PREFIX, inline JSON {"SOURCE:TARGET": {…}} or a JSON file'],
    });
  }
  return readObject(text, 'fileinfo');
}

/** JOBINFO: inline JSON or a JSON file, keyed by vertex name. */
export function readJobinfo(arg: string | undefined): Record<string, unknown> | undefined {
  return arg === undefined ? undefined : readObject(arg.trim(), 'jobinfo');
}

function readObject(arg: string, what: string): Record<string, unknown> {
  const value = readJsonArgument(arg, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(
      `${what} must be a JSON object, got ${Array.isArray(value) ? 'a list' : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}
