// CSRF defence for the monitor's buttons (kill, retry): they must come from a monitor page in a
// browser on this server's origin. Access control does not exist yet; this only stops other sites.
// The Origin check is shared with the JSON API's guard (src/server/cross-site-guard.ts).

export type HeaderBag = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * Why a state-changing monitor request is refused, or null when it may proceed. htmx sends
 * `HX-Request: true`; another site cannot send that custom header without a CORS preflight, which
 * this server never grants. Browsers' `Sec-Fetch-Site` and `Origin` are checked too when present.
 */
export function refuseCrossSite(headers: HeaderBag): string | null {
  if (first(headers['hx-request']) !== 'true')
    return 'monitor actions are sent by the monitor page (HX-Request header missing)';
  const site = first(headers['sec-fetch-site']);
  if (site !== undefined && site !== 'same-origin') return `refused a ${site} request`;
  const origin = first(headers.origin);
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
