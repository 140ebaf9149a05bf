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
 * The process's structured logger (JSON lines on stdout). Written asynchronously: a line
 * per request written synchronously cost the request path a write(2) each (measured in
 * the bench); lines that come while one write is under way go out together with the next,
 * and what is left is flushed when the process exits.
 */
export function logger(level: string): Logger {
  root ??= pino(
    { level, redact: { paths: REDACTED, censor: '[redacted]' }, base: { app: 'anordnarportalen' } },
    // minLength 0: a line waits only for the write before it, never for more lines to come.
    pino.destination({ dest: 1, sync: false, minLength: 0 }),
  );
  return root;
}

export interface RequestLine {
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
  const stream = (log as unknown as Record<symbol, { write(text: string): void }>)[pino.symbols.streamSym];
  stream.write(
    `{"level":30,"time":${Date.now()},"app":"anordnarportalen","reqId":${JSON.stringify(line.reqId)},"method":${JSON.stringify(line.method)},"path":${JSON.stringify(line.path)},"status":${line.status},"ms":${line.ms},"msg":"request"}\n`,
  );
}
