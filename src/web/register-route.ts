import type { APIRoute } from 'astro';
import { answer, type Resource } from '#server/register/api.ts';
import { t } from '#web/i18n.ts';
import { loginContext } from '#web/request-context.ts';

/** The GET handler of one of the open API's list resources. */
export function registerListRoute(resource: Resource): APIRoute {
  return ({ locals, request, clientAddress }) =>
    answer(
      locals.app.db,
      request,
      resource,
      loginContext(locals, clientAddress).address,
      locals.app.clock,
      locals.app.config.apiClientLimit,
      locals.app.config.apiCache,
      t,
    );
}
