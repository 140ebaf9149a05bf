import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body up to `max` bytes, whether it comes with a Content-Length or
 * chunked: beyond that it answers 'too-large' and drains the rest unread.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  if (Number(req.headers['content-length'] ?? 0) > max) {
    req.resume();
    return Promise.resolve('too-large');
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off('data', onData);
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

/**
 * Whether an address or a form carries a NUL byte, which no field here accepts and
 * PostgreSQL cannot store in text: refused before any code sees it.
 */
export function hasNulByte(input: string | Buffer, contentType?: string): boolean {
  if (typeof input === 'string') return input.includes('\u0000');
  if (input.includes(0)) return true;
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(input.toString('utf8'))) {
      if (name.includes('\u0000') || value.includes('\u0000')) return true;
    }
  }
  return false;
}
