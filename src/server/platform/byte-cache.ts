/**
 * A least-recently-used cache bounded by the bytes it holds, not by its number of
 * entries: a count bound lets a few thousand large answers take hundreds of megabytes.
 * Values are kept as UTF-8 bytes, so the bound is what the process really keeps
 * (plus the keys, counted at two bytes per UTF-16 unit, and a fixed cost per entry).
 */
/** A value: bytes, or bytes in chunks (which may be views of a larger buffer kept elsewhere). */
export type Body = Uint8Array<ArrayBuffer> | readonly Uint8Array<ArrayBuffer>[];

export class ByteCache<V extends Body = Body> {
  static readonly ENTRY_OVERHEAD = 100;
  readonly #entries = new Map<string, V>();
  #bytes = 0;
  maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** The bytes the cache holds now, by the same measure as its bound. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    // Re-inserting moves the entry to the end of the Map's order: the most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const cost = ByteCache.cost(key, value);
    if (cost > this.maxBytes) return;
    this.#evictUntil(this.maxBytes - cost);
    this.#entries.set(key, value);
    this.#bytes += cost;
  }

  delete(key: string): void {
    const value = this.#entries.get(key);
    if (value === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= ByteCache.cost(key, value);
  }

  /** Changes the bound, dropping the least recently used entries that no longer fit. */
  resize(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.#evictUntil(maxBytes);
  }

  /** Chunks count at their full length, views or not: the bound holds whatever they share. */
  static cost(key: string, value: Body): number {
    const bytes = 'byteLength' in value ? value.byteLength : value.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    return key.length * 2 + bytes + ByteCache.ENTRY_OVERHEAD;
  }

  #evictUntil(limit: number): void {
    for (const [key] of this.#entries) {
      if (this.#bytes <= limit) return;
      this.delete(key);
    }
  }
}
