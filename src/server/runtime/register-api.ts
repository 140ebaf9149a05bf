import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '#server/platform/context.ts';
import { answerQuestion, type Resource, type Translate } from '#server/register/api.ts';

/** The open API's list resources, by path. */
const RESOURCES: Readonly<Record<string, Resource>> = { '/api/v1/organisationer': 'organisationer', '/api/v1/enheter': 'enheter' };

export const registerResource = (path: string): Resource | undefined => RESOURCES[path];

/**
 * `GET /api/v1/organisationer` and `/enheter`, answered by the front server itself with
 * the same domain function the Astro routes call (src/web/register-route.ts): the open
 * API is public and stateless, so the page machinery adds only cost to every answer. The
 * answer goes from plain data straight to node:http: no WHATWG Request or Response.
 * (`_publicOrigin` is no longer needed: the answer depends only on the query string.)
 */
export function registerApiHandler(app: AppContext, text: Translate, _publicOrigin?: string) {
  const { db, clock, config } = app;
  return async (req: IncomingMessage, res: ServerResponse, resource: Resource, client: string): Promise<void> => {
    const url = req.url ?? '/';
    // The query string as `new URL(…).searchParams` reads it: after the first `?`, up to a fragment.
    const fragment = url.indexOf('#');
    const target = fragment < 0 ? url : url.slice(0, fragment);
    const at = target.indexOf('?');
    const searchParams = new URLSearchParams(at < 0 ? '' : target.slice(at + 1));
    const ifNoneMatch = req.headers['if-none-match'];
    const answered = await answerQuestion(db, { searchParams, ifNoneMatch }, resource, client, clock, config.apiClientLimit, config.apiCache, text);
    const { body } = answered;
    if (!body) {
      res.writeHead(answered.status, answered.headers);
      res.end();
      return;
    }
    let length = 0;
    for (const chunk of body) length += chunk.byteLength;
    res.writeHead(answered.status, { ...answered.headers, 'Content-Length': length });
    // The chunks leave in one write: headers, head, the index's own bytes, tail.
    res.cork();
    for (const chunk of body) res.write(chunk);
    res.end();
    res.uncork();
  };
}
