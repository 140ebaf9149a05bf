import { Socket } from 'node:net';
import { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { safeNext } from '#web/auth-cookies.ts';
import { clientAddressResolver, parseTrustProxy } from '#server/platform/client-address.ts';
import { parseConfig } from '#server/platform/config.ts';
import { loggedPath } from '#server/runtime/log-path.ts';

function requestFrom(socketAddress: string, forwardedFor?: string): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: socketAddress });
  const req = new IncomingMessage(socket);
  if (forwardedFor) req.headers['x-forwarded-for'] = forwardedFor;
  return req;
}

describe('the client address behind proxies', () => {
  it.each([
    ['false', '10.0.0.2', '1.1.1.1, 2.2.2.2', '10.0.0.2'],
    ['1', '10.0.0.2', '1.1.1.1, 2.2.2.2', '2.2.2.2'],
    ['2', '10.0.0.2', '1.1.1.1, 2.2.2.2', '1.1.1.1'],
    ['10.0.0.0/8', '10.0.0.2', '1.1.1.1, 2.2.2.2', '2.2.2.2'],
    ['10.0.0.0/8', '10.0.0.2', '1.1.1.1, 10.0.0.9', '1.1.1.1'],
    ['10.0.0.0/8', '192.0.2.1', '1.1.1.1', '192.0.2.1'],
    ['loopback', '127.0.0.1', 'spoofed, 203.0.113.5', '203.0.113.5'],
  ])('TRUST_PROXY=%s, socket %s, X-Forwarded-For %s: the client is %s', (trust, socket, forwarded, expected) => {
    expect(clientAddressResolver(parseTrustProxy(trust))(requestFrom(socket, forwarded))).toBe(expected);
  });

  it.each([['true'], ['10.0.0.300'], ['not-an-address']])('refuses TRUST_PROXY=%s naming the variable', (value) => {
    expect(() => parseConfig({ TRUST_PROXY: value })).toThrow(/^\s*TRUST_PROXY=/m);
  });
});

describe('paths in the request log', () => {
  it.each([
    ['/ansok/status/Xk3a9fQ_bT2mLpZ0wYvR1g/ansokan.pdf', '/ansok/status/:token/ansokan.pdf'],
    ['/ansok/status/abcdefghijklmnopqrstuvwxyzABC', '/ansok/status/:token'],
    ['/handbok/last-konto-och-regler-for-losenord', '/handbok/last-konto-och-regler-for-losenord'],
    ['/mina-tjanster/organisation/anvandare/12', '/mina-tjanster/organisation/anvandare/12'],
  ])('%s is logged as %s', (path, logged) => {
    expect(loggedPath(path)).toBe(logged);
  });
});

describe('the next address after login', () => {
  it.each([
    ['/mina-tjanster/sakerhet', '/mina-tjanster/sakerhet'],
    ['/register?q=skola#lista', '/register?q=skola#lista'],
    ['//angripare.example/', undefined],
    ['/\\angripare.example', undefined],
    ['/\t/angripare.example', undefined],
    ['/mina-tjanster\r\nSet-Cookie: a=b', undefined],
    ['/a\u202eb', undefined],
    ['https://angripare.example/', undefined],
    ['mina-tjanster', undefined],
  ])('%j → %j', (next, expected) => {
    expect(safeNext(next)).toBe(expected);
  });
});
