import { describe, expect, it } from 'vitest';
import { refuseCrossSite } from './action-guard.ts';

describe('refuseCrossSite', () => {
  const ok = { 'hx-request': 'true', host: '127.0.0.1:7878' };
  it('lets a same-origin htmx request through', () => {
    expect(refuseCrossSite(ok)).toBeNull();
    expect(
      refuseCrossSite({ ...ok, 'sec-fetch-site': 'same-origin', origin: 'http://127.0.0.1:7878' }),
    ).toBeNull();
  });
  it.each([
    [{ host: '127.0.0.1:7878' }, /HX-Request/],
    [{ ...ok, 'sec-fetch-site': 'cross-site' }, /cross-site/],
    [{ ...ok, 'sec-fetch-site': 'same-site' }, /same-site/],
    [{ ...ok, origin: 'http://evil.example' }, /evil\.example/],
    [{ ...ok, origin: 'null' }, /origin null/],
  ])('refuses %o', (headers, reason) => {
    expect(refuseCrossSite(headers)).toMatch(reason);
  });
});
