import { describe, expect, it } from 'vitest';
import { batchEnv } from './command.ts';

describe('batchEnv', () => {
  it('gives batch commands no P3S_* variable and no credential (core rule) of a server-side factory', () => {
    const env = {
      P3S_TOKEN: 'p3s_admin',
      P3S_SERVER: 'http://s',
      P3S_SITE: 'hpc',
      PGPASSWORD: 'pw',
      PGPASSFILE: '/root/.pgpass',
      DATABASE_URL: 'postgres://p3s:pw@db/p3s',
      SLURM_CONF: '/etc/slurm/slurm.conf',
      PATH: '/usr/bin',
    };
    expect(batchEnv(env)).toEqual({ SLURM_CONF: '/etc/slurm/slurm.conf', PATH: '/usr/bin' });
  });
});
