// The version of an answer a long-polling read is held on (`seen`): equal for equal content, so a
// reader can wait for the next one. One rule for the API's reads and the monitor's live regions.

import { createHash } from 'node:crypto';

export function versionOf(value: unknown): string {
  return createHash('sha1').update(JSON.stringify(value)).digest('base64url').slice(0, 16);
}
