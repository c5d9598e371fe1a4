import { describe, expect, it } from 'vitest';
import { EXIT } from './exit-codes.ts';
import { slotShare, slotUuid, slotUuidProblem, slotWorkDir, worstExit } from './slots.ts';

describe('worstExit', () => {
  const { ok, failure, refused, unreachable } = EXIT;
  const table: [number[], number][] = [
    [[], ok],
    [[ok], ok],
    [[ok, ok, ok, ok], ok],
    [[ok, unreachable, ok], unreachable],
    [[unreachable, refused], refused],
    [[refused, unreachable], refused],
    [[refused, failure, unreachable], failure],
    [[failure, ok], failure],
    [[ok, 7], 7],
    [[failure, 7], failure],
    [[unreachable, 7], 7],
  ];
  it.each(table)('of %j is %i', (codes, expected) => {
    expect(worstExit(codes)).toBe(expected);
  });
});

describe('slotShare', () => {
  const table: [{ memory: number; cores: number; disk: number }, number, object][] = [
    [{ memory: 8000, cores: 8, disk: 1000 }, 1, { memory: 8000, cores: 8, disk: 1000 }],
    [{ memory: 8000, cores: 8, disk: 1000 }, 4, { memory: 2000, cores: 2, disk: 250 }],
    [{ memory: 1001, cores: 3, disk: 10 }, 2, { memory: 500, cores: 1, disk: 5 }],
    // More slots than cores: each still offers one (oversubscribed by the operator's choice).
    [{ memory: 8000, cores: 2, disk: 3 }, 4, { memory: 2000, cores: 1, disk: 1 }],
    // Unknown (0) stays unknown.
    [{ memory: 0, cores: 4, disk: 0 }, 2, { memory: 0, cores: 2, disk: 0 }],
  ];
  it.each(table)('of %j among %i slots', (node, slots, expected) => {
    expect(slotShare(node, slots)).toEqual(expected);
  });
});

describe('slot uuids and work dirs', () => {
  it('keep the pilot own with one slot, and differ per slot with several', () => {
    expect(slotUuid('abc', 1, 1)).toBe('abc');
    expect([1, 2, 3].map((k) => slotUuid('abc', k, 3))).toEqual(['abc-s1', 'abc-s2', 'abc-s3']);
    expect(slotWorkDir('/w', 1, 1)).toBe('/w');
    expect(slotWorkDir('/w', 2, 4)).toBe('/w/slot-2');
  });

  it('refuse a uuid the slot suffix makes too long for the server', () => {
    expect(slotUuidProblem('a'.repeat(64), 1)).toBeNull();
    expect(slotUuidProblem('a'.repeat(61), 9)).toBeNull();
    expect(slotUuidProblem('a'.repeat(61), 10)).toMatch(/^--uuid a+: with --slots 10 .* longer than 64/);
  });
});
