import { describe, expect, it } from 'vitest';
import { payloadEnv, WITHHELD_FROM_PAYLOADS } from './payload-env.ts';

const id = { jobId: 7, jobUuid: 'u-7', pilotUuid: 'p-1', attempt: 2, workDir: '/w/7-2' };

describe('payloadEnv layers: pilot < account < site < job < P3S identity', () => {
  it.each([
    ['pilot only', { V: 'pilot' }, undefined, {}, 'pilot'],
    ['site over pilot', { V: 'pilot' }, { V: 'site' }, {}, 'site'],
    ['job over site', { V: 'pilot' }, { V: 'site' }, { V: 'job' }, 'job'],
    ['job over pilot without a site', { V: 'pilot' }, undefined, { V: 'job' }, 'job'],
    ['site alone', {}, { V: 'site' }, {}, 'site'],
  ])('%s', (_, pilot, site, job, expected) => {
    expect(payloadEnv({ pilot, site, job }, id).V).toBe(expected);
  });

  it('puts the payload account over the pilot, under the site and the job', () => {
    const pilot = { HOME: '/root', USER: 'root', LOGNAME: 'root', PATH: '/bin' };
    const account = { HOME: '/home/pool01', USER: 'pool01', LOGNAME: 'pool01' };
    const env = payloadEnv({ pilot, account, site: { USER: 'site' }, job: { LOGNAME: 'job' } }, id);
    expect(env).toMatchObject({ HOME: '/home/pool01', USER: 'site', LOGNAME: 'job', PATH: '/bin' });
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

describe("the pilot's credentials never reach the payload", () => {
  const pilot = {
    P3S_TOKEN: 'p3s_pilot-secret',
    P3S_TOKEN_FILE: '/root/.p3s/local-pilots.token',
    P3S_HOME: '/root/.p3s',
    P3S_DATABASE_URL: 'postgres://p3s:pw@db/p3s',
    P3S_TLS_KEY: '/etc/p3s/key.pem',
    PGPASSWORD: 'pw',
    PGPASSFILE: '/root/.pgpass',
    PGSERVICEFILE: '/root/.pg_service.conf',
    PGSSLKEY: '/root/.postgresql/postgresql.key',
    DATABASE_URL: 'postgres://p3s:pw@db/p3s',
    P3S_SERVER: 'http://elsewhere:1',
    P3S_SITE: 'lxvm',
    P3S_DIRPATH: '/eos/p3s',
    P3S_CA_FILE: '/etc/p3s/ca.pem',
    PATH: '/usr/bin:/bin',
  };

  it.each(WITHHELD_FROM_PAYLOADS)('%s is withheld from the pilot layer', (name) => {
    expect(pilot).toHaveProperty(name);
    expect(payloadEnv({ pilot, job: {} }, id)).not.toHaveProperty(name);
  });

  it("keeps the rest of the pilot's env and sets P3S_SERVER to the job's server", () => {
    const env = payloadEnv({ pilot, job: {} }, { ...id, server: 'https://p3s.example.org' });
    expect(env).toEqual({
      P3S_SERVER: 'https://p3s.example.org',
      P3S_SITE: 'lxvm',
      P3S_DIRPATH: '/eos/p3s',
      P3S_CA_FILE: '/etc/p3s/ca.pem',
      PATH: '/usr/bin:/bin',
      P3S_JOB_ID: '7',
      P3S_JOB_UUID: 'u-7',
      P3S_PILOT_UUID: 'p-1',
      P3S_ATTEMPT: '2',
      P3S_WORK_DIR: '/w/7-2',
    });
  });

  it("lets a site or a job give its payloads a token of its owner's own choosing", () => {
    const env = payloadEnv({ pilot, site: { P3S_TOKEN: 'site' }, job: { P3S_TOKEN_FILE: 'job' } }, id);
    expect(env).toMatchObject({ P3S_TOKEN: 'site', P3S_TOKEN_FILE: 'job' });
  });
});
