import { describe, expect, it } from 'vitest';
import type { PilotOptions, SiteSetting } from './options.ts';
import { applySite } from './site-settings.ts';

const OPTIONS: PilotOptions = {
  server: 'http://127.0.0.1:7878',
  site: 'lxvm',
  jobTypes: [],
  cycles: 1,
  period: 5,
  beat: 5,
  workDir: '/w',
  joblogDir: '/j',
  lifetime: 0,
  timefloor: 0,
  batchId: null,
  maxOutage: 600,
  killGrace: 10,
  minFreeBytes: 0,
  shell: false,
  logLevel: 'info',
};
const LXVM = { pilotcycles: 0, pilotperiod: 40, pilotbeat: 100, env: { P3S_SITE: 'lxvm' } };

describe('applySite', () => {
  it.each<[string, readonly SiteSetting[] | undefined, Partial<PilotOptions>]>([
    ['no flag given: the site sets all three', [], { cycles: 0, period: 40, beat: 100 }],
    ['-c given: it wins, the site sets period and beat', ['cycles'], { cycles: 1, period: 40, beat: 100 }],
    ['-b given: it wins', ['beat'], { cycles: 0, period: 40, beat: 5 }],
    ['all given: the site sets none', ['cycles', 'period', 'beat'], { cycles: 1, period: 5, beat: 5 }],
    ['unknown (programmatic use): all count as given', undefined, { cycles: 1, period: 5, beat: 5 }],
  ])('%s', (_, explicit, expected) => {
    const { options } = applySite({ ...OPTIONS, explicit }, LXVM);
    expect(options).toMatchObject({ ...expected, siteEnv: { P3S_SITE: 'lxvm' } });
  });

  it('keeps the pilot value where the site sets none, and reports what it took', () => {
    const { options, taken } = applySite(
      { ...OPTIONS, explicit: [] },
      { pilotcycles: null, pilotperiod: 2, pilotbeat: null, env: {} },
    );
    expect(options).toMatchObject({ cycles: 1, period: 2, beat: 5, siteEnv: {} });
    expect(taken).toEqual({ period: 2 });
  });
});
