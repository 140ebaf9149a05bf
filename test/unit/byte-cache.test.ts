import { describe, expect, it } from 'vitest';
import { ByteCache } from '#server/platform/byte-cache.ts';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

describe('the byte-bounded answer cache', () => {
  it('stays under its byte bound however many distinct answers it is given', () => {
    const cache = new ByteCache(1024 * 1024);
    let largest = 0;
    for (let i = 0; i < 5_000; i++) {
      cache.set(`enheter|${i}|per_sida=${i % 500}`, bytes(1_000 + (i % 7) * 3_000));
      largest = Math.max(largest, cache.bytes);
    }
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.size).toBeGreaterThan(50);
  });

  it('evicts the least recently used answer first', () => {
    const entry = ByteCache.cost('a', bytes(100));
    const cache = new ByteCache(entry * 3);
    cache.set('a', bytes(100));
    cache.set('b', bytes(100));
    cache.set('c', bytes(100));
    expect(cache.get('a')).toBeDefined();
    cache.set('d', bytes(100));
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((key) => cache.get(key) !== undefined)).toEqual([true, true, true]);
    expect(cache.bytes).toBe(entry * 3);
  });

  it('does not keep an answer larger than the whole bound, nor count a replaced one twice', () => {
    const cache = new ByteCache(10_000);
    cache.set('big', bytes(20_000));
    expect(cache.get('big')).toBeUndefined();
    cache.set('x', bytes(1_000));
    cache.set('x', bytes(2_000));
    expect(cache.bytes).toBe(ByteCache.cost('x', bytes(2_000)));
    cache.resize(500);
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });
});
