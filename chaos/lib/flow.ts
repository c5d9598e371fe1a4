// A steady flow of jobs through the real API, sent as p3s's own client sends them: each submission
// carries an idempotency key and is sent again with it while its outcome is unknown (no answer, or
// 503: the database may have committed before the connection that was to confirm it died), so each
// is stored once and every stored job was answered.

import { ApiError, P3sClient } from '../../src/protocol/client.ts';
import type { ChaosServer } from './installation.ts';
import type { Ledger } from './ledger.ts';

/** Outages of the chaos scenarios are seconds long: a submission is sent again for up to this. */
const RESEND_WINDOW_MS = 180_000;

export class Flow {
  /** Ids of the jobs the server acknowledged (201). */
  readonly accepted = new Set<number>();
  /** Sends answered 503 store_unavailable (each then sent again with its key). */
  refused = 0;
  /** Sends that got no answer (each then sent again with its key). */
  resent = 0;
  /** Anything else the server answered: a violation. */
  readonly unexpected: string[] = [];
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  private readonly client: P3sClient;

  constructor(
    server: Pick<ChaosServer, 'proc' | 'token'>,
    private readonly ledger: Ledger,
    private readonly everyMs: number,
  ) {
    this.client = new P3sClient({
      server: server.proc.url,
      token: server.token,
      timeoutMs: 15_000,
      resendWindowMs: RESEND_WINDOW_MS,
      onResend: (failure) => {
        if (failure instanceof ApiError) this.refused++;
        else this.resent++;
      },
    });
  }

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
    try {
      const { jobs } = await this.client.submitJobs([job]);
      for (const j of jobs) this.accepted.add(j.id);
    } catch (error) {
      this.unexpected.push(
        error instanceof ApiError ? `${error.status} ${error.code}: ${error.message}` : String(error),
      );
    }
  }
}
