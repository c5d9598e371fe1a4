// The payloads' own record: each chaos payload appends "<job id> <attempt> start" when it begins
// and "<job id> <attempt> end" when it is done, to a file outside anything the chaos disturbs. What
// ran, and how often, is counted from it — not from what the server says.

import { readFileSync, writeFileSync } from 'node:fs';

export interface LedgerCounts {
  /** Starts per job id (any attempt). */
  starts: Map<number, number>;
  ends: Map<number, number>;
}

export class Ledger {
  constructor(readonly file: string) {
    writeFileSync(file, '');
  }

  /**
   * A payload (run through /bin/sh, P3S_EXECMODE) that records its start, works for `seconds`
   * writing nothing to its own stdout (whose disk the chaos may fill), and records its end.
   */
  payload(seconds: number): string {
    const record = (what: string) => `echo "$P3S_JOB_ID $P3S_ATTEMPT ${what}" >> ${this.file}`;
    return `${record('start')}; sleep ${seconds}; ${record('end')}`;
  }

  read(): LedgerCounts {
    const starts = new Map<number, number>();
    const ends = new Map<number, number>();
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      const [id, , what] = line.trim().split(' ');
      if (!id || !what) continue;
      const counts = what === 'start' ? starts : ends;
      counts.set(Number(id), (counts.get(Number(id)) ?? 0) + 1);
    }
    return { starts, ends };
  }
}
