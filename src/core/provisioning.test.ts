import { describe, expect, it } from 'vitest';
import type { FieldIssue } from './errors.ts';
import { parseProvisioning, pilotLifetimeOf } from './provisioning.ts';
import { parseSiteSpec } from './site-spec.ts';

const parse = (input: unknown) => {
  const issues: FieldIssue[] = [];
  const result = parseProvisioning(input, '/provisioning', issues);
  return { result, issues };
};

describe('parseProvisioning', () => {
  it('fills the defaults of a minimal record', () => {
    expect(parse({ batch: 'slurm', maxWorkers: 2 }).result).toEqual({
      ok: true,
      value: {
        batch: 'slurm',
        maxWorkers: 2,
        maxQueued: 2,
        submitBatch: 10,
        pilotLifetime: null,
        pilotTimefloor: 0,
        pilotIdle: 120,
        pilotArgs: [],
        pilotCommand: null,
        jobTypes: [],
        siteless: false,
        resources: { cores: 1, memoryMb: null, wallSeconds: null, queue: null, account: null },
        submitLines: [],
        startTimeout: 600,
        failureLimit: 3,
        failureCooldown: 1800,
      },
    });
  });

  it('keeps everything a full record says (numbers may be strings, as in P3S files)', () => {
    const value = {
      batch: 'htcondor',
      maxWorkers: '40',
      maxQueued: 10,
      submitBatch: 5,
      pilotLifetime: 7200,
      pilotTimefloor: 600,
      pilotIdle: 60,
      pilotArgs: ['--beat', '10'],
      pilotCommand: '/cvmfs/p3s/bin/p3s',
      jobTypes: ['reco', 'dqm'],
      siteless: true,
      resources: { cores: 4, memoryMb: 8000, wallSeconds: 86400, queue: 'long', account: 'np04' },
      submitLines: ['+ProjectName = "np04"'],
      startTimeout: 300,
      failureLimit: 5,
      failureCooldown: 0,
    };
    const { result } = parse(value);
    expect(result).toEqual({ ok: true, value: { ...value, maxWorkers: 40 } });
  });

  it.each<[string, unknown, string, RegExp]>([
    ['not an object', 'slurm', '/provisioning', /must be an object/],
    [
      'no batch system',
      { maxWorkers: 1 },
      '/provisioning/batch',
      /is required \(one of local, slurm, htcondor\)/,
    ],
    ['an unknown batch system', { batch: 'pbs', maxWorkers: 1 }, '/provisioning/batch', /must be one of/],
    ['no maxWorkers', { batch: 'slurm' }, '/provisioning/maxWorkers', /is required/],
    ['a negative limit', { batch: 'slurm', maxWorkers: -1 }, '/provisioning/maxWorkers', /between 0 and/],
    [
      'an unknown field',
      { batch: 'slurm', maxWorkers: 1, maxwokers: 2 },
      '/provisioning/maxwokers',
      /unknown field/,
    ],
    [
      'an unknown resource',
      { batch: 'slurm', maxWorkers: 1, resources: { gpus: 1 } },
      '/provisioning/resources/gpus',
      /unknown field/,
    ],
    [
      'a queue with shell syntax',
      { batch: 'slurm', maxWorkers: 1, resources: { queue: 'a;rm -rf /' } },
      '/provisioning/resources/queue',
      /letters, digits/,
    ],
    [
      'a submit line with a newline',
      { batch: 'slurm', maxWorkers: 1, submitLines: ['#SBATCH --x\nrm -rf /'] },
      '/provisioning/submitLines/0',
      /one line/,
    ],
    [
      'pilot args not a list',
      { batch: 'slurm', maxWorkers: 1, pilotArgs: '--beat 10' },
      '/provisioning/pilotArgs',
      /list of strings/,
    ],
    [
      'a job type with a space',
      { batch: 'slurm', maxWorkers: 1, jobTypes: ['a b'] },
      '/provisioning/jobTypes/0',
      /letters, digits/,
    ],
    [
      'siteless not a boolean',
      { batch: 'slurm', maxWorkers: 1, siteless: 'yes' },
      '/provisioning/siteless',
      /true or false/,
    ],
    [
      'a wall time under a minute',
      { batch: 'slurm', maxWorkers: 1, resources: { wallSeconds: 5 } },
      '/provisioning/resources/wallSeconds',
      /between 60/,
    ],
    [
      'an empty pilot command',
      { batch: 'slurm', maxWorkers: 1, pilotCommand: ' ' },
      '/provisioning/pilotCommand',
      /must not be empty/,
    ],
  ])('names the field: %s', (_name, input, path, message) => {
    const { result, issues } = parse(input);
    expect(result.ok).toBe(false);
    expect(issues.find((i) => i.path === path)?.message).toMatch(message);
  });

  it('is optional in a site record, and a bad one refuses the whole site', () => {
    expect(parseSiteSpec({ name: 's' })).toMatchObject({ ok: true, site: { provisioning: null } });
    expect(parseSiteSpec({ name: 's', provisioning: { batch: 'slurm', maxWorkers: 2 } })).toMatchObject({
      ok: true,
      site: { provisioning: { batch: 'slurm', maxWorkers: 2 } },
    });
    expect(parseSiteSpec({ name: 's', provisioning: { batch: 'slurm' } })).toMatchObject({
      ok: false,
      issues: [{ path: '/provisioning/maxWorkers' }],
    });
  });
});

describe('pilotLifetimeOf', () => {
  const base = parse({ batch: 'slurm', maxWorkers: 1 }).result;
  if (!base.ok || !base.value) throw new Error('fixture');
  const p = base.value;
  it.each<[string, Partial<typeof p>, number]>([
    ['the configured lifetime', { pilotLifetime: 500 }, 500],
    ['the wall time less a minute', { resources: { ...p.resources, wallSeconds: 3600 } }, 3540],
    ['at least 30 s of a short wall time', { resources: { ...p.resources, wallSeconds: 60 } }, 30],
    ['unlimited without either', {}, 0],
  ])('%s', (_name, over, expected) => {
    expect(pilotLifetimeOf({ ...p, ...over })).toBe(expected);
  });
});
