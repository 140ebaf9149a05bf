import { readFileSync } from 'node:fs';

/**
 * Time as the rules see it. Every time-dependent rule takes a Clock, so tests move
 * time instead of waiting.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until a test moves it. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string = '2026-01-15T09:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(at: Date | string): void {
    this.current = new Date(at).getTime();
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/**
 * A clock shifted by the number of milliseconds written in `file`, read on every call,
 * so that browser tests can move the time of running servers (all processes reading the
 * same file agree). Only for tests: the configuration refuses it in production.
 */
export function fileOffsetClock(file: string): Clock {
  return {
    now() {
      let offset = 0;
      try {
        offset = Number(readFileSync(file, 'utf8').trim()) || 0;
      } catch {
        // No file yet: no offset.
      }
      return new Date(Date.now() + offset);
    },
  };
}
