// What the monitor reads and does, typed with the protocol's wire shapes. It is served by the
// public JSON API only: the server passes a transport that calls its own /api/v1 routes, and the
// monitor makes one MonitorApi per request carrying the viewer's token (from the session cookie),
// so the API decides what each viewer may read and do, as for any client.

import { ApiCalls } from '../protocol/api-calls.ts';
import {
  type Args,
  type Endpoint,
  type PreparedRequest,
  prepare,
  prepareAny,
  type Shape,
} from '../protocol/endpoints.ts';
import { ApiError } from '../protocol/errors.ts';

/**
 * One HTTP exchange with the JSON API: a path with its query string, the viewer's token (to send as
 * `Authorization: Bearer <token>`; absent: an anonymous request), and the parsed answer.
 */
export type ApiTransport = (
  request: PreparedRequest & { token?: string },
) => Promise<{ status: number; body: unknown }>;

export type Query = Record<string, string | number | undefined>;

/** The operations the pages read and the buttons do: the route table's, as any client calls them. */
export type MonitorApi = Pick<
  ApiCalls,
  | 'health'
  | 'whoami'
  | 'audit'
  | 'summary'
  | 'statsTimeline'
  | 'statsFailures'
  | 'statsQueue'
  | 'listJobs'
  | 'getJob'
  | 'jobLogs'
  | 'jobWhy'
  | 'killJob'
  | 'retryJob'
  | 'listPilots'
  | 'getPilot'
  | 'listWorkflows'
  | 'getWorkflow'
  | 'listDags'
  | 'getDag'
  | 'listDatasets'
  | 'listSites'
  | 'listRetryRules'
  | 'listWorkers'
  | 'getWorker'
  | 'siteProvisioning'
>;

/** `path?a=1&b=x` with empty values left out: the URLs the monitor shows as JSON twins, too. */
export function apiUrl(path: string, query: Query = {}): string {
  return prepareAny('GET', path, { query }).url;
}

/** The route table's operations sent through a transport, each carrying the viewer's token. */
class ViewerCalls extends ApiCalls {
  constructor(
    private readonly transport: ApiTransport,
    private readonly token: string | null,
  ) {
    super();
  }

  protected async call<S extends Shape>(endpoint: Endpoint<S>, args: Args<S>): Promise<S['reply']> {
    const request = prepare(endpoint, args);
    const { status, body: answer } = await this.transport({
      ...request,
      ...(this.token === null ? {} : { token: this.token }),
    });
    if (status >= 400) {
      const error = (answer as { error?: { code?: unknown; message?: unknown; details?: unknown } })?.error;
      throw new ApiError(status, {
        code: typeof error?.code === 'string' ? error.code : 'http_error',
        message: typeof error?.message === 'string' ? error.message : `HTTP ${status} from ${request.url}`,
        details: Array.isArray(error?.details) ? (error.details as ApiError['details']) : [],
      });
    }
    return answer as S['reply'];
  }
}

/** The API as seen by one viewer: every request carries `token` (null: anonymous). */
export function makeMonitorApi(transport: ApiTransport, token: string | null = null): MonitorApi {
  return new ViewerCalls(transport, token);
}

/** True when the API has no such route: the page says "not available in this version". */
export function isMissingRoute(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'route_not_found';
}

/** What a list page got from the API: the list, or why not. */
export interface LoadedList<L> {
  list?: L;
  /** The API's message for a filter it refuses (400), shown above the empty list. */
  problem?: string;
  /** The API has no such route (with `optional`): the page says "not available in this version". */
  missing: boolean;
}

/** Loads a list page's list; errors other than those of LoadedList are thrown. */
export async function loadList<L>(
  load: () => Promise<L>,
  options: { optional?: boolean } = {},
): Promise<LoadedList<L>> {
  const loaded: LoadedList<L> = { missing: false };
  try {
    loaded.list = await load();
  } catch (error) {
    if (options.optional && isMissingRoute(error)) loaded.missing = true;
    else if (error instanceof ApiError && error.status === 400) loaded.problem = error.message;
    else throw error;
  }
  return loaded;
}
