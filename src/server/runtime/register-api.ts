import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '#server/platform/context.ts';
import { answer, type Resource, type Translate } from '#server/register/api.ts';

/** The open API's list resources, by path. */
const RESOURCES: Readonly<Record<string, Resource>> = { '/api/v1/organisationer': 'organisationer', '/api/v1/enheter': 'enheter' };

export const registerResource = (path: string): Resource | undefined => RESOURCES[path];

/**
 * `GET /api/v1/organisationer` and `/enheter`, answered by the front server itself with
 * the same domain function the Astro routes call (src/web/register-route.ts): the open
 * API is public and stateless, so the page machinery adds only cost to every answer.
 */
export function registerApiHandler(app: AppContext, text: Translate, publicOrigin: string) {
  const { db, clock, config } = app;
  return async (req: IncomingMessage, res: ServerResponse, resource: Resource, client: string): Promise<void> => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const request = new Request(`${publicOrigin}${req.url ?? '/'}`, { headers });
    const response = await answer(db, request, resource, client, clock, config.apiClientLimit, config.apiCache, text);
    const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
    res.writeHead(response.status, { ...Object.fromEntries(response.headers), ...(body ? { 'Content-Length': body.length } : {}) });
    res.end(body);
  };
}
