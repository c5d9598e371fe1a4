// Every process of one payload attempt, found three ways: its process group (the payload's pid),
// its job cgroup where there is one, and the processes that carry its marks (P3S_PILOT_UUID,
// P3S_JOB_UUID, P3S_ATTEMPT) — so a descendant that left the group with setsid is still found,
// signalled at the time limit or a kill, and drained when the payload ends.

import { monotonicNow } from '../core/clock.ts';
import type { JobCgroup } from './job-cgroup.ts';
import { groupAlive } from './metrics.ts';
import { attemptMarks, markedProcesses, signalAll } from './process-sweep.ts';

export class AttemptProcesses {
  private readonly marks: Record<string, string>;

  constructor(
    /** The payload's pid, which is its process group. */
    readonly pgid: number,
    private readonly cgroup: JobCgroup | null,
    id: { pilotUuid: string; jobUuid: string; attempt: number },
  ) {
    this.marks = attemptMarks(id);
  }

  /** Sends `signal` to every process of the attempt. */
  signal(signal: NodeJS.Signals): void {
    signalAll([-this.pgid], signal);
    this.cgroup?.signal(signal);
    signalAll(markedProcesses(this.marks, [], this.pgid), signal);
  }

  /**
   * Whether anything of the attempt can still run. With a cgroup that is the cgroup (nothing leaves
   * it unprivileged, and one file tells); without, the group and a scan for the marks.
   */
  alive(): boolean {
    if (groupAlive(this.pgid)) return true;
    return this.cgroup ? this.cgroup.populated() : markedProcesses(this.marks, [], this.pgid).length > 0;
  }

  /**
   * After the main process exited, ends whatever it left: SIGTERM, then SIGKILL at `killAt` (on the
   * monotonic clock; the grace of an earlier SIGTERM counts), so no process of the payload outlives its attempt.
   */
  async drain(killAt: number): Promise<void> {
    if (!this.alive()) return;
    this.signal('SIGTERM');
    while (monotonicNow() < killAt) {
      await sleep(50);
      if (!this.alive()) return;
    }
    this.signal('SIGKILL');
    for (let i = 0; i < 40 && this.alive(); i++) await sleep(50);
  }

  /** Removes the attempt's cgroup (empty once drained). */
  release(): void {
    this.cgroup?.remove();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
