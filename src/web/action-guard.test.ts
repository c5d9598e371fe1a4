import { describe, expect, it } from 'vitest';
import { isForeignOrigin, refuseCrossSite } from './action-guard.ts';

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

describe('refuseCrossSite for the login and logout forms', () => {
  const form = { form: true };
  const host = '127.0.0.1:7878';
  it('lets a same-origin form post (Origin of this host) and an htmx request through', () => {
    expect(
      refuseCrossSite({ host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' }, form),
    ).toBeNull();
    expect(refuseCrossSite({ host, origin: `http://${host}` }, form)).toBeNull();
    expect(refuseCrossSite({ host, 'hx-request': 'true' }, form)).toBeNull();
  });
  it.each([
    [{ host }, /without an Origin/],
    [{ host, origin: 'http://evil.example' }, /evil\.example/],
    [{ host, origin: `http://${host}`, 'sec-fetch-site': 'cross-site' }, /cross-site/],
    [{ host, origin: 'null' }, /origin null/],
  ])('refuses %o', (headers, reason) => {
    expect(refuseCrossSite(headers, form)).toMatch(reason);
  });
  it('still demands the htmx header from the buttons', () => {
    expect(refuseCrossSite({ host, origin: `http://${host}` })).toMatch(/HX-Request/);
  });
});

describe('isForeignOrigin', () => {
  it.each([
    ['http://127.0.0.1:7878', '127.0.0.1:7878', false],
    ['http://localhost', 'localhost:80', false],
    ['https://monitor.example', 'monitor.example', false],
    ['http://127.0.0.1:7879', '127.0.0.1:7878', true],
    ['http://evil.example', '127.0.0.1:7878', true],
    ['null', '127.0.0.1:7878', true],
    ['not a url', '127.0.0.1:7878', true],
    ['http://127.0.0.1:7878', '', true],
  ])('origin %s to host %s: %s', (origin, host, foreign) => {
    expect(isForeignOrigin(origin, host)).toBe(foreign);
  });
});
