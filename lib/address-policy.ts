/**
 * Which IP addresses webhooks may not connect to unless the operator allows
 * it (WEBHOOKS_ALLOW_PRIVATE_ADDRESSES): a subscription's URL is the tenant's
 * to choose, and without this a tenant could make the republisher call the
 * platform's own services (server-side request forgery, Standard Webhooks
 * "SSRF"). The republisher checks the address it is about to connect to, after
 * DNS resolution (http-delivery.ts), so a name that resolves to a public
 * address when the subscription is made and to a private one later is still
 * refused. Pure.
 */
import { BlockList, isIP } from 'node:net';

/** IANA special-purpose ranges (RFC 6890 and its updates) that are not the public internet, by what they are. */
const refusedRanges: { range: string; prefix: number; family: 'ipv4' | 'ipv6'; what: string }[] = [
  { range: '0.0.0.0', prefix: 8, family: 'ipv4', what: 'this network' },
  { range: '10.0.0.0', prefix: 8, family: 'ipv4', what: 'private' },
  { range: '100.64.0.0', prefix: 10, family: 'ipv4', what: 'shared address space (carrier-grade NAT)' },
  { range: '127.0.0.0', prefix: 8, family: 'ipv4', what: 'loopback' },
  { range: '169.254.0.0', prefix: 16, family: 'ipv4', what: 'link-local (cloud metadata services live here)' },
  { range: '172.16.0.0', prefix: 12, family: 'ipv4', what: 'private' },
  { range: '192.0.0.0', prefix: 24, family: 'ipv4', what: 'IETF protocol assignments' },
  { range: '192.168.0.0', prefix: 16, family: 'ipv4', what: 'private' },
  { range: '198.18.0.0', prefix: 15, family: 'ipv4', what: 'benchmarking' },
  { range: '224.0.0.0', prefix: 4, family: 'ipv4', what: 'multicast' },
  { range: '240.0.0.0', prefix: 4, family: 'ipv4', what: 'reserved' },
  { range: '::', prefix: 128, family: 'ipv6', what: 'unspecified' },
  { range: '::1', prefix: 128, family: 'ipv6', what: 'loopback' },
  { range: 'fc00::', prefix: 7, family: 'ipv6', what: 'unique local (private)' },
  { range: 'fe80::', prefix: 10, family: 'ipv6', what: 'link-local' },
  { range: 'ff00::', prefix: 8, family: 'ipv6', what: 'multicast' },
];

const blocks = refusedRanges.map(({ range, prefix, family, what }) => {
  const list = new BlockList();
  list.addSubnet(range, prefix, family);
  return { list, family, what };
});

/**
 * Why a connection to `address` (an IP address as DNS or the URL gave it) is
 * refused, or undefined when it is a public address. An IPv4-mapped IPv6
 * address (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries.
 */
export function refusedAddress(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : undefined;
  if (family === undefined) return `${JSON.stringify(address)} is not an IP address`;
  const hit = blocks.find((b) => b.family === family && b.list.check(ip, family));
  return hit ? `${address} is a ${hit.what} address` : undefined;
}
