import { describe, expect, it } from 'vitest';
import { isCrossSiteRequest } from '#server/runtime/csrf.ts';

const allowed = ['https://portal.example'];

describe('cross-site request check', () => {
  it.each([
    ['GET', { 'sec-fetch-site': 'cross-site' }, false],
    ['POST', { 'sec-fetch-site': 'same-origin', origin: 'https://portal.example' }, false],
    ['POST', { 'sec-fetch-site': 'none' }, false],
    ['POST', {}, false],
    ['POST', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }, true],
    ['POST', { 'sec-fetch-site': 'same-site', origin: 'https://sub.portal.example' }, true],
    ['POST', { origin: 'https://evil.example' }, true],
    ['POST', { origin: 'null' }, true],
    ['PUT', { 'content-type': 'application/json', origin: 'https://evil.example' }, true],
    ['DELETE', { origin: 'https://portal.example' }, false],
  ])('%s with %o is cross-site: %s', (method, headers, expected) => {
    expect(isCrossSiteRequest(method, headers, allowed)).toBe(expected);
  });
});
