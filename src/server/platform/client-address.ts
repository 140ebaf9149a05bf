import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** Which hops in front of the portal may speak for the client: none, a hop count, or proxy addresses. */
export type TrustProxy = { kind: 'none' } | { kind: 'hops'; count: number } | { kind: 'addresses'; list: string[] };

/**
 * Parses `TRUST_PROXY`: `false`/`0` (the default: the socket's address is the client),
 * a hop count (`1`: one proxy in front), or a comma-separated list of the proxies'
 * addresses or ranges (`10.0.0.0/8`, `loopback`). `true` is refused: trusting every hop
 * would take the leftmost `X-Forwarded-For` entry, which the client writes itself.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const trimmed = value.trim();
  if (trimmed === 'false' || trimmed === '0' || trimmed === '') return { kind: 'none' };
  if (/^\d+$/.test(trimmed)) return { kind: 'hops', count: Number(trimmed) };
  if (trimmed === 'true')
    throw new Error(
      'trusts every hop, so the client chooses its own address: give the number of proxies in front (e.g. 1) or their addresses (e.g. 10.0.0.0/8)',
    );
  const list = trimmed
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  proxyAddr.compile(list); // throws on an address or range it cannot read
  return { kind: 'addresses', list };
}

function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  switch (trust.kind) {
    case 'none':
      return () => false;
    case 'hops':
      return (_address, hop) => hop < trust.count;
    case 'addresses':
      return proxyAddr.compile(trust.list);
  }
}

/**
 * The address a request came from, the way proxy-addr takes it: the socket's address,
 * then `X-Forwarded-For` from right to left while the hop is trusted. The first
 * untrusted hop is the client; entries left of it are the client's own words.
 */
export function clientAddressResolver(trust: TrustProxy): (req: IncomingMessage) => string {
  const trusted = trustFunction(trust);
  return (req) => proxyAddr(req, trusted) || 'unknown';
}
