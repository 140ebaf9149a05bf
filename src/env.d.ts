/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    user?: import('./lib/server/users.ts').User;
    session?: import('./lib/server/session.ts').ValidSession;
    /** Why the session in the cookie ended, when it just did. */
    sessionEnded?: 'idle' | 'absolute';
    requestId?: string;
  }
}
