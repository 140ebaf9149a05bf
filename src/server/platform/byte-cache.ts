/**
 * A least-recently-used cache bounded by the bytes it holds, not by its number of
 * entries: a count bound lets a few thousand large answers take hundreds of megabytes.
 * Values are kept as UTF-8 bytes, so the bound is what the process really keeps
 * (plus the keys, counted at two bytes per UTF-16 unit, and a fixed cost per entry).
 */
export class ByteCache {
  static readonly ENTRY_OVERHEAD = 100;
  readonly #entries = new Map<string, Uint8Array<ArrayBuffer>>();
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

  get(key: string): Uint8Array<ArrayBuffer> | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    // Re-inserting moves the entry to the end of the Map's order: the most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  set(key: string, value: Uint8Array<ArrayBuffer>): void {
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

  static cost(key: string, value: Uint8Array<ArrayBuffer>): number {
    return key.length * 2 + value.byteLength + ByteCache.ENTRY_OVERHEAD;
  }

  #evictUntil(limit: number): void {
    for (const [key] of this.#entries) {
      if (this.#bytes <= limit) return;
      this.delete(key);
    }
  }
}
