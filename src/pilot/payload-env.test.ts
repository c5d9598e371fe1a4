import { describe, expect, it } from 'vitest';
import { payloadEnv } from './payload-env.ts';

const id = { jobId: 7, jobUuid: 'u-7', pilotUuid: 'p-1', attempt: 2, workDir: '/w/7-2' };

describe('payloadEnv layers: pilot < site < job < P3S identity', () => {
  it.each([
    ['pilot only', { V: 'pilot' }, undefined, {}, 'pilot'],
    ['site over pilot', { V: 'pilot' }, { V: 'site' }, {}, 'site'],
    ['job over site', { V: 'pilot' }, { V: 'site' }, { V: 'job' }, 'job'],
    ['job over pilot without a site', { V: 'pilot' }, undefined, { V: 'job' }, 'job'],
    ['site alone', {}, { V: 'site' }, {}, 'site'],
  ])('%s', (_, pilot, site, job, expected) => {
    expect(payloadEnv({ pilot, site, job }, id).V).toBe(expected);
  });

  it('keeps every layer and sets the identity last, over anything forged', () => {
    const env = payloadEnv(
      {
        pilot: { A: 'a', GONE: undefined },
        site: { B: 'b', P3S_JOB_ID: 'site' },
        job: { C: 'c', P3S_ATTEMPT: 'x' },
      },
      id,
    );
    expect(env).toEqual({
      A: 'a',
      B: 'b',
      C: 'c',
      P3S_JOB_ID: '7',
      P3S_JOB_UUID: 'u-7',
      P3S_PILOT_UUID: 'p-1',
      P3S_ATTEMPT: '2',
      P3S_WORK_DIR: '/w/7-2',
    });
  });
});
