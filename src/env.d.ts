/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    user?: import('#server/identity/users.ts').User;
    session?: import('#server/identity/session.ts').ValidSession;
    /** Why the session in the cookie ended, when it just did. */
    sessionEnded?: 'idle' | 'absolute';
    /** Set by the front server on every on-demand request; absent only while prerendering at build time. */
    requestId: string;
    /** The process's context (src/server/platform/context.ts), with this request's logger. */
    app: import('#server/platform/context.ts').AppContext;
  }
}
