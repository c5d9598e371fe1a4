// A steady flow of jobs through the real API, as a careful client sends it: each submission carries
// an idempotency key and is sent again with the same key when no answer came (so a submission is
// never made twice); a 503 means nothing was stored, and that job is counted refused, not accepted.

import { randomUUID } from 'node:crypto';
import { ApiError, NetworkError, type P3sClient } from '../../src/protocol/client.ts';
import type { Ledger } from './ledger.ts';

export class Flow {
  /** Ids of the jobs the server acknowledged (201). */
  readonly accepted = new Set<number>();
  /** Submissions answered 503 store_unavailable: nothing stored. */
  refused = 0;
  /** Submissions sent again after no answer. */
  resent = 0;
  /** Anything else the server answered: a violation. */
  readonly unexpected: string[] = [];
  #running = false;
  #loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: P3sClient,
    private readonly ledger: Ledger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  async #run(): Promise<void> {
    let n = 0;
    while (this.#running) {
      n++;
      // 0.1 to 0.8 s of work: jobs are running whenever a fault strikes.
      const seconds = (0.1 + (n % 8) * 0.1).toFixed(1);
      await this.#submitOne({
        name: `chaos-${n}`,
        payload: this.ledger.payload(Number(seconds)),
        timeout: '600',
        env: { P3S_EXECMODE: '1' },
      });
      await new Promise((resolve) => setTimeout(resolve, this.everyMs));
    }
  }

  async #submitOne(job: Record<string, unknown>): Promise<void> {
    const key = randomUUID();
    for (let attempt = 0; attempt < 600; attempt++) {
      try {
        const { jobs } = await this.client.submitJobs([job], undefined, { idempotencyKey: key });
        for (const j of jobs) this.accepted.add(j.id);
        return;
      } catch (error) {
        if (error instanceof ApiError && error.code === 'store_unavailable') {
          this.refused++;
          return;
        }
        if (error instanceof NetworkError) {
          this.resent++;
          await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        this.unexpected.push(
          error instanceof ApiError ? `${error.status} ${error.code}: ${error.message}` : String(error),
        );
        return;
      }
    }
  }
}
