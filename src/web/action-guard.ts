// CSRF defence for the monitor's state-changing requests (kill, retry, log in, log out): they must
// come from a monitor page in a browser on this server's origin. The session cookie is SameSite=
// Strict too, but this check does not rely on it (nor on the viewer being logged in). The Origin
// check is shared with the JSON API's guard (src/server/cross-site-guard.ts).

export type HeaderBag = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Why a state-changing monitor request is refused, or null when it may proceed. htmx sends
 * `HX-Request: true`; another site cannot send that custom header without a CORS preflight, which
 * this server never grants. Browsers' `Sec-Fetch-Site` and `Origin` are checked too when present.
 *
 * With `form` (the login and logout forms, plain HTML forms that work without JavaScript), a
 * request without the htmx header passes when it carries an `Origin` of this host instead: every
 * current browser sends `Origin` with a form POST, and another site cannot forge it.
 */
export function refuseCrossSite(headers: HeaderBag, options: { form?: boolean } = {}): string | null {
  const origin = first(headers.origin);
  if (first(headers['hx-request']) !== 'true') {
    if (!options.form) return 'monitor actions are sent by the monitor page (HX-Request header missing)';
    if (origin === undefined) return 'a form post without an Origin header (sent by every current browser)';
  }
  const site = first(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin') return `refused a ${site} request`;
  if (origin !== undefined && isForeignOrigin(origin, first(headers.host) ?? ''))
    return `refused a request from origin ${origin}`;
  return null;
}

/**
 * True when a request's `Origin` header is not the host it was sent to (its `Host` header): another
 * host or port, an opaque `null` origin, or anything unparsable.
 */
export function isForeignOrigin(origin: string, host: string): boolean {
  const from = hostOf(origin);
  return from === null || from !== hostOf(`http://${host}`);
}

/** host[:port] as a URL normalises it (no default port), or null for anything unparsable. */
function hostOf(url: string): string | null {
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}
