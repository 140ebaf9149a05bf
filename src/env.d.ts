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
    /** The administrator, on routes and actions the access rules keep for administrators. */
    admin?: import('#server/organisation/policy.ts').AdminActor;
    /** Why the access rules refused the request: a message key the 403 page shows. */
    forbidden?: string;
    /** The refusal an action of this request threw, for the page that shows it. */
    refusal?: import('#web/refusal.ts').RefusalDetail;
    /** A login the front server already ran for this form post (src/web/password-login.ts): the action reports it. */
    passwordLogin?: import('#web/password-login.ts').PasswordLoginResult;
  }
}
