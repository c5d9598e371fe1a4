// The dispatcher scenario's two paths, run small against the real server and store: both must
// finish every job (dispatcherThroughput throws otherwise). No timing is asserted here.

import { describe, expect, it } from 'vitest';
import { postgresAvailable } from '../../test/helpers/postgres.ts';
import type { StoreKind } from '../lib/installation.ts';
import { dispatcherThroughput, PILOT_PATHS } from './dispatcher.ts';

const stores: StoreKind[] = postgresAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];

describe('dispatcher scenario', () => {
  for (const store of stores) {
    for (const via of PILOT_PATHS) {
      it(`drains 300 jobs with 4 simulated pilots (${store}, ${via})`, async () => {
        const row = await dispatcherThroughput(store, 300, 4, via);
        expect(row).toMatchObject({ store, via, jobs: 300, pilots: 4 });
        expect(row.jobsPerSecond).toBeGreaterThan(0);
      });
    }
  }
});
