// The long-poll claims of a pilot's slots, sent together: the slots' first claims (at start, once
// each has registered) and then slots that go idle within GATHER_MS of each other share one
// `POST /api/v1/pilots/claims`, so N idle slots hold one request instead of N and jobs submitted
// together reach them in one answer. The server answers a batch once any of its claims is answered
// (a job, a command, its wait over, a hold); a slot whose wait that cut short claims again at once
// for the rest of it: each Agent sees one claim of its own, answered when a lone claim would be.

import { monotonicNow } from '../core/clock.ts';
import type { P3sClient } from '../protocol/client.ts';
import { ApiError } from '../protocol/client.ts';
import type { ClaimReply } from '../protocol/schemas/pilots.ts';

/** How a slot's Agent claims: the client itself with one slot, SlotClaims with several. */
export type ClaimPort = Pick<P3sClient, 'claim'>;

/** How long a batch waits for other slots going idle: short beside a long-poll, long beside a turn of the loop. */
const GATHER_MS = 5;
/** How long the first batch waits for every slot to have registered and claimed. */
const FIRST_GATHER_MS = 2000;

interface Pending {
  uuid: string;
  beat: number;
  hold: string | null | undefined;
  /** When its wait ends (ms). */
  until: number;
  signal: AbortSignal | undefined;
  resolve: (reply: ClaimReply) => void;
  reject: (error: unknown) => void;
}

/** A wait ending within this of now counts as over (the server's clock started it a little later). */
const WAIT_SLACK_MS = 10;

/**
 * Which claims of an answered batch to send again: those that got neither a job nor a command and
 * whose own wait is not over, when another claim of the batch ended the batch (it got something,
 * its wait was over, or it was a hold, answered at once). When none did, the server answered all
 * early (it is closing): none is sent again.
 */
export function cutShort(
  answers: readonly ClaimReply[],
  claims: readonly { hold: string | null | undefined; until: number }[],
  now: number,
): boolean[] {
  const got = (a: ClaimReply | undefined) => a !== undefined && (a.job !== null || a.command !== null);
  const over = (c: { hold: string | null | undefined; until: number }) =>
    typeof c.hold === 'string' || c.until <= now + WAIT_SLACK_MS;
  const ended = answers.some(got) || claims.some(over);
  return claims.map((claim, i) => ended && !got(answers[i]) && !over(claim));
}

export class SlotClaims implements ClaimPort {
  #gathering: Pending[] = [];
  #timer: NodeJS.Timeout | null = null;
  /** False once the server turned the batch route down as unknown (an older server): claim one by one. */
  #together = true;
  /** Until the first batch goes: every slot's first claim joins it. */
  #first = true;

  constructor(
    private readonly client: P3sClient,
    private readonly slots: number,
  ) {}

  claim(
    uuid: string,
    wait: number,
    beat: number,
    signal?: AbortSignal,
    hold?: string | null,
  ): Promise<ClaimReply> {
    if (!this.#together) return this.client.claim(uuid, wait, beat, signal, hold);
    return new Promise((resolve, reject) => {
      this.#gather({ uuid, beat, hold, until: monotonicNow() + wait * 1000, signal, resolve, reject });
    });
  }

  #gather(pending: Pending): void {
    this.#gathering.push(pending);
    const all = this.#gathering.length >= this.slots;
    if (all && this.#timer) clearTimeout(this.#timer);
    if (all || !this.#timer)
      this.#timer = setTimeout(
        () => {
          this.#timer = null;
          this.#first = false;
          void this.#send(this.#gathering.splice(0));
        },
        all ? 0 : this.#first ? FIRST_GATHER_MS : GATHER_MS,
      );
  }

  async #send(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.#sendAlone(batch[0] as Pending);
    const now = monotonicNow();
    const claims = batch.map((p) => ({
      pilot: p.uuid,
      wait: waitLeft(p, now),
      beat: p.beat,
      ...(p.hold !== undefined && { hold: p.hold }),
    }));
    const signals = [...new Set(batch.flatMap((p) => (p.signal ? [p.signal] : [])))];
    let answers: ClaimReply[];
    try {
      answers = await this.client.claimTogether(
        claims,
        signals.length > 0 ? AbortSignal.any(signals) : undefined,
      );
      if (answers?.length !== batch.length)
        throw new Error(`the server answered ${answers?.length ?? 'no'} claims of ${batch.length}`);
    } catch (error) {
      // A refusal names one pilot (unknown, not this token's) or the route (an older server): each
      // slot claims alone and hears its own answer. An outage, a busy server or a malformed answer
      // is each slot's to retry, with its backoff.
      if (error instanceof ApiError && error.status !== 429 && error.status < 500) {
        if (error.code === 'route_not_found') this.#together = false;
        for (const p of batch) void this.#sendAlone(p);
      } else for (const p of batch) p.reject(error);
      return;
    }
    const again = cutShort(answers, batch, monotonicNow());
    batch.forEach((p, i) => {
      // The hold was said: a claim sent again only claims.
      if (again[i]) this.#gather({ ...p, hold: p.hold === null ? undefined : p.hold });
      else p.resolve(answers[i] as ClaimReply);
    });
  }

  async #sendAlone(p: Pending): Promise<void> {
    try {
      p.resolve(await this.client.claim(p.uuid, waitLeft(p, monotonicNow()), p.beat, p.signal, p.hold));
    } catch (error) {
      p.reject(error);
    }
  }
}

/** Seconds of a claim's wait left at `now` (ms precision, never negative). */
function waitLeft(p: Pending, now: number): number {
  return Math.max(0, Math.round(p.until - now) / 1000);
}
