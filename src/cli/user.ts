// Who the CLI acts as until access control exists: $USER, else the login name (recorded by the server).

import { userInfo } from 'node:os';

export function currentUser(): string | undefined {
  if (process.env.USER) return process.env.USER;
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
