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
    const lines = new LineBatch(pino.destination({ dest: 1, sync: true, contentMode: 'buffer' }), LOG_BATCH_BYTES, LOG_FLUSH_MS);
    process.once('exit', () => lines.flush());
    root = pino({ level, redact: { paths: REDACTED, censor: '[redacted]' }, base: { app: 'anordnarportalen' } }, lines);
  }
  return root;
}

const LOG_BATCH_BYTES = 16_000;
const LOG_FLUSH_MS = 250;

type Destination = ReturnType<typeof pino.destination>;

/**
 * Log lines held in memory as UTF-8, each encoded once straight into the batch's buffer,
 * and handed on as that buffer. Request lines wait as their fields and are formatted
 * together, before any other line and at every flush, so the order of lines is kept:
 * formatting sixty-four lines in a row cost a prerendered page far less than one line
 * among the work of each request (measured in the bench).
 */
class LineBatch {
  readonly #out: Destination;
  readonly #flushAt: number;
  #buffer: Buffer;
  #used = 0;
  #requests: RequestLine[] = [];
  #requestTimes: number[] = [];

  constructor(out: Destination, flushAt: number, flushMs: number) {
    this.#out = out;
    this.#flushAt = flushAt;
    // Room past the flush mark, so that a line (up to three bytes per UTF-16 unit) seldom forces an early flush.
    this.#buffer = Buffer.allocUnsafe(flushAt * 2);
    setInterval(() => this.flush(), flushMs).unref();
  }

  request(line: RequestLine): void {
    this.#requestTimes.push(Date.now());
    if (this.#requests.push(line) >= PENDING_REQUEST_LINES) this.#formatRequests();
  }

  write(line: string): void {
    this.#formatRequests();
    this.#append(line);
  }

  flush(): void {
    this.#formatRequests();
    this.#hand();
  }

  /** Hands the formatted lines to the destination. */
  #hand(): void {
    if (this.#used === 0) return;
    const batch = this.#buffer.subarray(0, this.#used);
    // The destination may hold on to what it was given (a write it must retry): the next lines go to a new buffer.
    this.#buffer = Buffer.allocUnsafe(this.#buffer.length);
    this.#used = 0;
    // In buffer mode the destination takes a Buffer; its types name only strings.
    this.#out.write(batch as unknown as string);
  }

  #formatRequests(): void {
    const lines = this.#requests;
    const times = this.#requestTimes;
    if (lines.length === 0) return;
    this.#requests = [];
    this.#requestTimes = [];
    for (let i = 0; i < lines.length; i++) this.#append(requestLine(lines[i], times[i]));
  }

  #append(line: string): void {
    if (this.#used + line.length * 3 > this.#buffer.length) {
      this.#hand();
      if (line.length * 3 > this.#buffer.length) return void this.#out.write(Buffer.from(line, 'utf8') as unknown as string);
    }
    this.#used += this.#buffer.write(line, this.#used);
    if (this.#used >= this.#flushAt) this.#hand();
  }
}

const PENDING_REQUEST_LINES = 64;

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
  const stream = (log as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym];
  if (stream instanceof LineBatch) stream.request(line);
  else stream.write(requestLine(line, Date.now()));
}

function requestLine(line: RequestLine, time: number): string {
  return `{"level":30,"time":${time},"app":"anordnarportalen","reqId":"${line.reqId}","method":${JSON.stringify(line.method)},"path":${JSON.stringify(line.path)},"status":${line.status},"ms":${line.ms},"msg":"request"}\n`;
}
