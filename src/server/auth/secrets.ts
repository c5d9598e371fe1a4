// Token secrets: 32 random bytes, printable, with a `p3s_` prefix so they are recognisable in
// logs and secret scanners. Only the SHA-256 hash is stored: the secrets carry 256 bits of
// entropy, so a slow password hash would add nothing but latency to every request.

import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'p3s_';
/** Characters of the secret kept in clear to recognise a token in lists. */
const SHOWN = TOKEN_PREFIX.length + 6;

export interface NewSecret {
  secret: string;
  prefix: string;
  hash: string;
}

export function newSecret(): NewSecret {
  const secret = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { secret, prefix: secret.slice(0, SHOWN), hash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
