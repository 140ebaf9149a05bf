import { randomBytes } from 'node:crypto';

/**
 * Request ids: UUIDs of version 8 (RFC 9562's layout of one's own), 74 random bits drawn
 * once per process and a 48-bit count of its requests. Unique across the instances that
 * share a log, and in order within one; an id grants nothing, so it need not be
 * unguessable. Drawing 122 random bits for every prerendered page cost more than the
 * rest of its request line (measured in the bench).
 */
export function requestIds(): () => string {
  const random = randomBytes(10).toString('hex');
  // Version 8 in the third group's first digit, the variant (binary 10) in the fourth's.
  const variant = ((Number.parseInt(random[12], 16) & 0x3) | 0x8).toString(16);
  const prefix = `${random.slice(0, 8)}-${random.slice(8, 12)}-8${random.slice(13, 16)}-${variant}${random.slice(16, 19)}-`;
  let count = 0;
  return () => prefix + (count++ % 2 ** 48).toString(16).padStart(12, '0');
}
