// Submission intents: before each submission the factory writes what it is about to submit (the
// site, the batch system and a tag the batch jobs carry) into <factory dir>/intents/, and removes
// it once the server has recorded the workers. An intent left behind means the factory stopped in
// between: its next cycle finds the tagged batch jobs and records them, so no pilot goes untracked.

import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchSystem } from '../core/index.ts';

export interface Intent {
  /** `p3s-<12 hex>`: given to every batch job of the submission (Slurm comment, HTCondor attribute). */
  tag: string;
  site: string;
  system: BatchSystem;
  count: number;
  /** Epoch ms when the submission began. */
  at: number;
}

/** What a tag looks like: nothing else reaches a batch command line. */
export const INTENT_TAG = /^p3s-[0-9a-f]{12}$/;

export function newTag(): string {
  return `p3s-${randomBytes(6).toString('hex')}`;
}

const intentsDir = (dir: string) => join(dir, 'intents');

/** Writes the intent (whole or not at all: a temporary file renamed over). */
export function writeIntent(dir: string, intent: Intent): void {
  mkdirSync(intentsDir(dir), { recursive: true, mode: 0o700 });
  const file = join(intentsDir(dir), `${intent.tag}.json`);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(intent)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function clearIntent(dir: string, tag: string): void {
  rmSync(join(intentsDir(dir), `${tag}.json`), { force: true });
}

/** The intents of one site left by earlier cycles, oldest first; unreadable files are skipped. */
export function readIntents(dir: string, site: string): Intent[] {
  let names: string[];
  try {
    names = readdirSync(intentsDir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const intents: Intent[] = [];
  for (const name of names) {
    try {
      const intent = JSON.parse(readFileSync(join(intentsDir(dir), name), 'utf8')) as Intent;
      if (intent.site === site && INTENT_TAG.test(intent.tag)) intents.push(intent);
    } catch {
      // Not an intent of ours.
    }
  }
  return intents.sort((a, b) => a.at - b.at);
}
