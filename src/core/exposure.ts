// Whether a server may listen where it was asked to. Loopback is the local quickstart: reads may
// be open and plain HTTP is fine. Anywhere else tokens would cross a network: the server needs
// TLS (or an explicit statement that a TLS proxy sits in front) and reads default to token-only.

import type { ReadPolicy } from './auth.ts';

/** 127.0.0.0/8, ::1 and localhost: reachable from this host only. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export function defaultReadPolicy(host: string): ReadPolicy {
  return isLoopbackHost(host) ? 'open' : 'token';
}

/** Why the server must not start with these settings, or null. */
export function exposureProblem(settings: {
  host: string;
  tls: boolean;
  insecureHttp: boolean;
}): string | null {
  if (isLoopbackHost(settings.host) || settings.tls || settings.insecureHttp) return null;
  return (
    `refusing to listen on ${settings.host} without TLS: tokens would cross the network in clear text. ` +
    'Give --tls-cert and --tls-key, or --insecure-http if a TLS-terminating proxy is in front ' +
    '(docs/guides/security.md).'
  );
}
