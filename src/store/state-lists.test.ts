// The partial indexes the claim, the reaper and the queue depth walk name job states in their
// shipped migrations; the derived lists must still match them (a new state needs a new migration).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACTIVE_JOB_STATES, JOB_TRANSITIONS, QUEUE_JOB_STATES, sqlStateList } from '../core/index.ts';

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

describe('the job diagram in docs/architecture.md', () => {
  it('lists every edge of JOB_TRANSITIONS and no other', () => {
    const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
    const header = /\| from \| (.*) \|\n\|[-|]+\|\n/.exec(doc);
    if (!header) throw new Error('edge table not found');
    const transitions = (header[1] as string).split(' | ');
    const rows = doc.slice(header.index + header[0].length).split('\n\n')[0] as string;
    const edges: string[] = [];
    for (const line of rows.split('\n')) {
      const [from, ...cells] = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      for (const [i, to] of cells.entries()) if (to) edges.push(`${from} ${transitions[i]} ${to}`);
    }
    expect(edges.sort()).toEqual(JOB_TRANSITIONS.map((e) => e.join(' ')).sort());
  });
});
