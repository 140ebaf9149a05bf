/** Long URL-safe segments with a capital or a digit: tokens, never the lower-case slugs of our routes. */
const TOKEN_LIKE = /^(?=.*[A-Z0-9])[A-Za-z0-9_-]{20,}$/;

/**
 * A request path as it may be logged: segments that look like capability tokens
 * (application status links and the like) become `:token`, so that the log never holds
 * a link that opens someone's application.
 */
export function loggedPath(path: string): string {
  return path
    .split('/')
    .map((segment) => (TOKEN_LIKE.test(segment) ? ':token' : segment))
    .join('/');
}
