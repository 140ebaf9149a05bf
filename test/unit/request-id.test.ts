import { describe, expect, it } from 'vitest';
import { requestIds } from '#server/runtime/request-id.ts';

const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('are version-8 UUIDs, all different, in the order of the requests', () => {
    const next = requestIds();
    const ids = Array.from({ length: 10_000 }, () => next());
    for (const id of ids) expect(id).toMatch(UUID_V8);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('differ between processes from their first request on', () => {
    const firsts = Array.from({ length: 50 }, () => requestIds()());
    expect(new Set(firsts).size).toBe(50);
  });
});
