// The injector's memory of what it injected, one JSON file per (directory, target) under the data
// directory, rewritten atomically (temporary file + rename) after every injection.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULTS } from '../core/defaults.ts';
import { CliError } from './errors.ts';

/** What was done for one injected file. */
export interface Injected {
  at: number;
  size: number;
  workflowId?: number;
  jobIds?: number[];
}

export interface InjectState {
  version: 1;
  dir: string;
  /** `dag:NAME` or `job:FILE`. */
  target: string;
  processed: Record<string, Injected>;
}

/** `<data dir>/injector/<hash of dir and target>.json`: each watched directory and target remembers its own files. */
export function defaultStatePath(dataDir: string, dir: string, target: string): string {
  const key = createHash('sha256').update(`${dir}\0${target}`).digest('hex').slice(0, 16);
  return join(dataDir, 'injector', `${key}.json`);
}

export function loadInjectState(path: string, dir: string, target: string): InjectState {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, dir, target, processed: {} };
    throw new CliError(`cannot read the injector state ${path}: ${(error as Error).message}`);
  }
  try {
    const state = JSON.parse(text) as InjectState;
    if (state.version !== 1 || typeof state.processed !== 'object' || state.processed === null)
      throw new Error('unknown format');
    return state;
  } catch (error) {
    throw new CliError(
      `the injector state ${path} is damaged (${(error as Error).message}); move it away to start afresh`,
    );
  }
}

export function saveInjectState(path: string, state: InjectState): void {
  mkdirSync(dirname(path), { recursive: true, mode: DEFAULTS.dataDirMode });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, path);
}
