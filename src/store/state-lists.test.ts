// The partial indexes the claim, the reaper and the queue depth walk name job states in their
// shipped migrations; the derived lists must still match them (a new state needs a new migration).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTIVE_JOB_STATES, QUEUE_JOB_STATES, sqlStateList } from '../core/index.ts';

function indexPredicate(migration: string, index: string): string {
  const text = readFileSync(new URL(`./migrations/${migration}`, import.meta.url), 'utf8');
  const match = new RegExp(`CREATE INDEX ${index} ON [^\`]* WHERE state IN \\(([^)]*)\\)`).exec(text);
  if (!match) throw new Error(`${index} not found in ${migration}`);
  return match[1] as string;
}

describe('state lists against the partial indexes', () => {
  it('the active-lease index covers the states a pilot holds', () => {
    expect(indexPredicate('0001-init.ts', 'jobs_active_lease_index')).toBe(sqlStateList(ACTIVE_JOB_STATES));
  });
  it('the queue index covers the queue states', () => {
    expect(indexPredicate('0004-monitor.ts', 'jobs_queue_index')).toBe(sqlStateList(QUEUE_JOB_STATES));
  });
});
