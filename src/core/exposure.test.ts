import { describe, expect, it } from 'vitest';
import { defaultReadPolicy, exposureProblem, isLoopbackHost } from './exposure.ts';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['example.org', false],
    ['127.0.0.1.example.org', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
    expect(defaultReadPolicy(host)).toBe(loopback ? 'open' : 'token');
  });
});

describe('exposureProblem', () => {
  it.each([
    [{ host: '127.0.0.1', tls: false, insecureHttp: false }, false],
    [{ host: '0.0.0.0', tls: true, insecureHttp: false }, false],
    [{ host: '0.0.0.0', tls: false, insecureHttp: true }, false],
    [{ host: '0.0.0.0', tls: false, insecureHttp: false }, true],
    [{ host: '192.168.1.9', tls: false, insecureHttp: false }, true],
  ])('%j refused: %s', (settings, refused) => {
    const problem = exposureProblem(settings);
    expect(problem !== null).toBe(refused);
    if (problem) expect(problem).toContain('--tls-cert');
  });
});
