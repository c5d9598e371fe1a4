// Bounds open claim long-polls: one per pilot (a second one for the same pilot is a client bug or
// a replay), and a configurable number per token, so one credential cannot hold every socket.

export class ClaimSlots {
  readonly #pilots = new Set<string>();
  readonly #perToken = new Map<number, number>();

  constructor(private readonly maxPerToken: number) {}

  /** Takes a slot, or returns why not (the caller answers 429). */
  acquire(pilotUuid: string, tokenId: number): string | null {
    if (this.#pilots.has(pilotUuid))
      return `pilot ${pilotUuid} already has a claim waiting; a pilot claims one job at a time`;
    const held = this.#perToken.get(tokenId) ?? 0;
    if (held >= this.maxPerToken)
      return `this token already holds ${held} claim long-polls, the most the server allows`;
    this.#pilots.add(pilotUuid);
    this.#perToken.set(tokenId, held + 1);
    return null;
  }

  release(pilotUuid: string, tokenId: number): void {
    this.#pilots.delete(pilotUuid);
    const held = (this.#perToken.get(tokenId) ?? 1) - 1;
    if (held <= 0) this.#perToken.delete(tokenId);
    else this.#perToken.set(tokenId, held);
  }
}
