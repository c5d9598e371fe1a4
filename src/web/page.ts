// What a page handler gets and gives back, and helpers to read its query string leniently:
// a monitor URL is typed by people, so bad values fall back to defaults instead of failing.

import type { VNode } from 'preact';
import type { NavKey } from './layout.tsx';
import type { MonitorApi } from './monitor-api.ts';
import type { Viewer } from './session.ts';

export type RawQuery = Record<string, string | string[] | undefined>;

export interface PageContext {
  /** The JSON API as this viewer: requests carry the session's token. */
  api: MonitorApi;
  /** Who is logged in, or null (an anonymous viewer, under the open read policy). */
  viewer: Viewer | null;
  /** Epoch ms of this request (the injected server clock). */
  now: number;
  query: RawQuery;
  params: Record<string, string>;
  /** Id of the element an htmx request will swap (HX-Target), or null for a full page. */
  target: string | null;
}

export interface PageResult {
  title: string;
  nav: NavKey | null;
  body: VNode;
  status?: number;
  /** Load uPlot (the overview's charts). */
  charts?: boolean;
  /** The canonical URL of this view, pushed to the browser's history after an htmx navigation. */
  url?: string;
}

export type PageHandler = (ctx: PageContext) => Promise<PageResult>;

/** The first value of a query parameter, trimmed; undefined when absent or empty. */
export function one(query: RawQuery, key: string): string | undefined {
  const value = query[key];
  const first = Array.isArray(value) ? value.find((v) => v.trim() !== '') : value;
  const trimmed = first?.trim();
  return trimmed ? trimmed : undefined;
}

/** Every value of a repeated or comma-separated parameter (`state=a&state=b` or `state=a,b`). */
export function many(query: RawQuery, key: string): string[] {
  const value = query[key];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return [
    ...new Set(
      list
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
}

/** A whole number ≥ min, or undefined. */
export function int(query: RawQuery, key: string, min = 0): number | undefined {
  const text = one(query, key);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= min ? n : undefined;
}

/** One of the allowed values, or the fallback. */
export function choice<T extends string>(
  query: RawQuery,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const text = one(query, key);
  return text !== undefined && (allowed as readonly string[]).includes(text) ? (text as T) : fallback;
}

/** Rows a list page shows when its URL does not say, and the most it shows at once. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export interface Paging {
  limit: number;
  offset: number;
}

/** A list page's `limit` (1 to MAX_PAGE_SIZE, else the default) and `offset` (0 unless given). */
export function readPaging(query: RawQuery): Paging {
  return {
    limit: Math.min(int(query, 'limit', 1) ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    offset: int(query, 'offset') ?? 0,
  };
}

/** The paging part of a list page's canonical URL: the default size and the first page left out. */
export function pagingParams(paging: Paging): { limit?: number; offset?: number } {
  return {
    limit: paging.limit === DEFAULT_PAGE_SIZE ? undefined : paging.limit,
    offset: paging.offset > 0 ? paging.offset : undefined,
  };
}

/** `path?query` from parameters, leaving out empty ones and those equal to their defaults. */
export function pageUrl(path: string, params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
