/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    user?: import('#server/identity/users.ts').User;
    session?: import('#server/identity/session.ts').ValidSession;
    /** Why the session in the cookie ended, when it just did. */
    sessionEnded?: 'idle' | 'absolute';
    requestId?: string;
  }
}
