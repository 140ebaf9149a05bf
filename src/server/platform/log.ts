import { pino, type Logger } from 'pino';

/**
 * Keys whose values never reach a log line, at any depth we log. Secrets are also
 * kept out by never passing request bodies or query strings to the logger.
 */
const REDACTED = ['password', 'newPassword', 'currentPassword', 'token', 'code', 'secret', 'cookie', 'personnummer', 'authorization', 'otp'].flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
]);

let root: Logger | undefined;

/**
 * The process's structured logger (JSON lines on stdout), written in batches: a write(2)
 * per line, or one handed to the thread pool per line, cost a prerendered page a third of
 * its time (measured in the bench). Lines gather here until about 16 kB wait (some ninety
 * request lines) or a quarter of a second has passed, and each batch is one write(2). When
 * the process exits, a crash included, what is left is written before it ends.
 */
export function logger(level: string): Logger {
  if (!root) {
    const lines = new LineBatch(pino.destination({ dest: 1, sync: true }), LOG_BATCH_CHARS, LOG_FLUSH_MS);
    process.once('exit', () => lines.flush());
    root = pino({ level, redact: { paths: REDACTED, censor: '[redacted]' }, base: { app: 'anordnarportalen' } }, lines);
  }
  return root;
}

const LOG_BATCH_CHARS = 16_000;
const LOG_FLUSH_MS = 250;

type Destination = ReturnType<typeof pino.destination>;

/** Log lines held in memory and handed on to the destination as one string per batch. */
class LineBatch {
  readonly #out: Destination;
  readonly #maxChars: number;
  #lines: string[] = [];
  #chars = 0;

  constructor(out: Destination, maxChars: number, flushMs: number) {
    this.#out = out;
    this.#maxChars = maxChars;
    setInterval(() => this.flush(), flushMs).unref();
  }

  write(line: string): void {
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.#maxChars) this.flush();
  }

  flush(): void {
    if (this.#lines.length === 0) return;
    const text = this.#lines.join('');
    this.#lines = [];
    this.#chars = 0;
    this.#out.write(text);
  }
}

export interface RequestLine {
  /** A UUID: nothing in it needs escaping. */
  reqId: string;
  method: string | undefined;
  path: string;
  status: number;
  ms: number;
}

/**
 * The one line every request writes, as pino would write `log.info(fields, 'request')`,
 * composed directly: its fields are known, none is secret (the path has its tokens cut
 * out before it comes here), so the generic serializer and redaction are skipped. At
 * tens of thousands of prerendered pages a second that generic work was most of the
 * cost of a page (measured in the bench).
 */
export function logRequest(log: Logger, line: RequestLine): void {
  if (!log.isLevelEnabled('info')) return;
  const stream = (log as unknown as Record<symbol, LineBatch>)[pino.symbols.streamSym];
  stream.write(
    `{"level":30,"time":${Date.now()},"app":"anordnarportalen","reqId":"${line.reqId}","method":${JSON.stringify(line.method)},"path":${JSON.stringify(line.path)},"status":${line.status},"ms":${line.ms},"msg":"request"}\n`,
  );
}
