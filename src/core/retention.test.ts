import { describe, expect, it } from 'vitest';
import { PURGE_STATES, PURGE_TARGETS, purgeStates } from './retention.ts';

describe('purgeStates', () => {
  it.each([
    ['jobs', undefined, ['finished', 'failed', 'cancelled']],
    ['jobs', [], ['finished', 'failed', 'cancelled']],
    ['jobs', ['failed'], ['failed']],
    ['jobs', ['defined', 'template'], ['defined', 'template']],
    ['jobs', ['failed', 'failed'], ['failed']],
    ['pilots', undefined, ['stopped', 'lost']],
    ['pilots', ['lost'], ['lost']],
    ['workflows', undefined, ['finished', 'failed', 'cancelled']],
  ] as const)('%s with %j purges %j', (what, requested, states) => {
    expect(purgeStates(what, requested)).toEqual({ ok: true, states });
  });

  it.each([
    ['jobs', ['running'], 'never purged'],
    ['jobs', ['finished', 'dispatched'], 'never purged'],
    ['pilots', ['idle'], 'never purged'],
    ['pilots', ['running'], 'never purged'],
    ['workflows', ['running'], 'never purged'],
    ['jobs', ['done'], 'unknown jobs state done'],
    ['pilots', ['stoped'], 'unknown pilots state stoped'],
  ] as const)('%s refuses %j', (what, requested, message) => {
    const result = purgeStates(what, requested);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain(message);
  });

  it('never lets a live state be purgeable', () => {
    for (const what of PURGE_TARGETS) {
      const rule = PURGE_STATES[what];
      expect(rule.allowed.filter((s) => rule.live.includes(s))).toEqual([]);
      expect(rule.default.every((s) => rule.allowed.includes(s))).toBe(true);
    }
  });
});
