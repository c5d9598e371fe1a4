// Turns an Authorization header into a principal. Looks tokens up by hash with a short cache, so
// a heartbeat costs no extra query; a revocation on this server clears the cache at once, one on
// another server (PostgreSQL) takes effect within CACHE_MS. Last use is recorded at most once a minute.

import { type Principal, tokenProblem, UnauthorizedError } from '../../core/index.ts';
import type { AuthStore, Token } from '../../store/auth-store.ts';
import { hashSecret } from './secrets.ts';

export const CACHE_MS = 5_000;
const TOUCH_EVERY_MS = 60_000;
const MAX_CACHED = 10_000;
/** Longer than any token we issue, short enough to bound the work spent on garbage. */
const MAX_SECRET_LENGTH = 256;

interface Cached {
  token: Token | undefined;
  until: number;
}

export class TokenResolver {
  readonly #cache = new Map<string, Cached>();
  readonly #touched = new Map<number, number>();

  constructor(
    private readonly store: AuthStore,
    private readonly onTouchError: (error: unknown) => void,
  ) {}

  /** Null when no credentials were sent; throws UnauthorizedError for bad ones. */
  async resolve(authorization: string | string[] | undefined, now: number): Promise<Principal | null> {
    if (authorization === undefined) return null;
    const secret = parseBearer(authorization);
    const hash = hashSecret(secret);
    const token = await this.#lookup(hash, now);
    if (!token) throw new UnauthorizedError('the token is not known to this server');
    const problem = tokenProblem(token, now);
    if (problem) throw new UnauthorizedError(`the token "${token.name}" (${token.prefix}…) is ${problem}`);
    this.#touch(token.id, now);
    return {
      tokenId: token.id,
      name: token.name,
      role: token.role,
      site: token.site,
      expiresAt: token.expiresAt,
    };
  }

  /** Forget every cached token (after a revocation). */
  invalidate(): void {
    this.#cache.clear();
  }

  async #lookup(hash: string, now: number): Promise<Token | undefined> {
    const hit = this.#cache.get(hash);
    if (hit && hit.until > now) return hit.token;
    const token = await this.store.findTokenByHash(hash);
    if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
    this.#cache.set(hash, { token, until: now + CACHE_MS });
    return token;
  }

  #touch(id: number, now: number): void {
    const last = this.#touched.get(id) ?? 0;
    if (now - last < TOUCH_EVERY_MS) return;
    this.#touched.set(id, now);
    this.store.touchToken(id, now).catch(this.onTouchError);
  }
}

/** The secret of `Bearer <secret>`; anything else is a clear 401. */
export function parseBearer(header: string | string[]): string {
  if (Array.isArray(header)) throw new UnauthorizedError('send exactly one Authorization header');
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match?.[1]) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
  if (match[1].length > MAX_SECRET_LENGTH)
    throw new UnauthorizedError('the token is not known to this server');
  return match[1];
}
