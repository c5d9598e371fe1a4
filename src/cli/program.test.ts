import { describe, expect, it } from 'vitest';
import { buildProgram, groupsFor } from './program.ts';

describe('groupsFor: the command groups a command line loads', () => {
  it('loads only the group the line names, whatever options come first', () => {
    expect(groupsFor(['job', 'submit', 'x.json', '--wait'])).toEqual(['job']);
    expect(groupsFor(['--help', 'whoami'])).toEqual(['whoami']);
  });

  it('loads no group for a bare --version, and every group for help, a typo or nothing', () => {
    expect(groupsFor(['--version'])).toEqual([]);
    expect(groupsFor(['-V'])).toEqual([]);
    const all = groupsFor([]);
    expect(all).toContain('doctor');
    expect(groupsFor(['--help'])).toEqual(all);
    expect(groupsFor(['help', 'job'])).toEqual(all);
    expect(groupsFor(['jbo'])).toEqual(all);
    expect(groupsFor(['-h', '--version'])).toEqual(all);
  });

  it('builds the tree of just those groups', async () => {
    const names = (await buildProgram(['job'])).commands.map((c) => c.name());
    expect(names).toEqual(['job']);
    expect((await buildProgram()).commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['up', 'job', 'token', 'whoami', 'doctor']),
    );
  });
});
