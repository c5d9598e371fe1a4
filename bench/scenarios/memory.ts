// Scenario 6 (pilot side): idle pilot RSS, and pilot RSS while its payload writes a flood of
// stdout — log shipping must keep it flat whatever the output size (compared with 1 MB).

import { join } from 'node:path';
import { waitFor } from '../../test/helpers/processes.ts';
import { makeInstallation, rssKb, type StoreKind } from '../lib/installation.ts';

const FLOOD = join(import.meta.dirname, '..', 'payloads', 'flood.sh');

async function peakPilotRss(kind: StoreKind, floodBytes: number) {
  const inst = await makeInstallation(kind);
  try {
    await inst.start();
    const [pilot] = inst.startPilots(1, ['-c', '0', '-p', '60', '-b', '1']);
    await inst.waitForIdlePilots(1);
    const pid = pilot?.child.pid as number;
    const idleKb = await rssKb(pid);
    const { jobs } = await inst.client.submitJobs([
      { name: 'flood', payload: FLOOD, env: { FLOOD_BYTES: String(floodBytes) } },
    ]);
    let peakKb = idleKb;
    await waitFor(
      'flood finished',
      async () => {
        peakKb = Math.max(peakKb, await rssKb(pid));
        return (await inst.client.getJob(jobs[0]!.id)).job.state === 'finished';
      },
      300_000,
      50,
    );
    return { idleKb, peakKb };
  } finally {
    await inst.close();
  }
}

export async function pilotMemory(kind: StoreKind, floodBytes: number) {
  const small = await peakPilotRss(kind, 1_000_000);
  const large = await peakPilotRss(kind, floodBytes);
  return {
    store: kind,
    idlePilotRssMb: small.idleKb / 1024,
    peakRssMb1MB: small.peakKb / 1024,
    peakRssMbFlood: large.peakKb / 1024,
    floodBytes,
    floodToSmallRatio: large.peakKb / small.peakKb,
  };
}
