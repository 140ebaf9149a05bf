/**
 * The address a request came from. Behind a load balancer (TRUST_PROXY=true) it is the
 * first entry of `X-Forwarded-For`; otherwise the socket's address, which Astro hands us.
 */
export function clientAddress(request: Request, socketAddress: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return socketAddress ?? 'unknown';
}
