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

/** The process's structured logger (JSON lines on stdout). */
export function logger(level: string): Logger {
  root ??= pino({ level, redact: { paths: REDACTED, censor: '[redacted]' }, base: { app: 'anordnarportalen' } });
  return root;
}
