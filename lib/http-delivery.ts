/**
 * One attempt: a POST of a webhook's body with its signed headers, over
 * node:http(s). Redirects are not followed (a 3xx is a failure, as Standard
 * Webhooks advises), nothing of the answer but its status and Retry-After is
 * read, and the whole attempt, connection included, has one deadline.
 *
 * Unless private addresses are allowed, the address the socket connects to is
 * checked (address-policy.ts): the `lookup` of the connection refuses what DNS
 * resolved to a non-public address, so a name cannot be pointed at an inside
 * address after it was checked (DNS rebinding); an IP literal in the URL is
 * checked before connecting, since Node does not look those up.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { refusedAddress } from './address-policy';

/** What one POST gave. */
export type AttemptResult =
  | { kind: 'answered'; status: number; retryAfter?: string }
  /** No answer: `timeout`, `address_refused` (address-policy.ts), `network` (refused connection, reset, DNS). */
  | { kind: 'unanswered'; failure: 'timeout' | 'address_refused' | 'network'; message: string };

export interface HttpDeliveryOptions {
  timeoutMs: number;
  allowPrivateAddresses: boolean;
  /** The option that allows private addresses, named in the refusal (`WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=true`). */
  allowHint: string;
  userAgent: string;
}

class AddressRefused extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
}

/** A `lookup` that drops refused addresses from DNS's answer, and fails when none is left. */
const publicOnlyLookup = (allowHint: string): LookupFunction => (hostname, options, callback) => {
  dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return (callback as (e: Error) => void)(error);
    const allowed = addresses.filter((a) => refusedAddress(a.address) === undefined);
    if (allowed.length === 0) {
      const reasons = addresses.map((a) => refusedAddress(a.address)).join('; ');
      return (callback as (e: Error) => void)(new AddressRefused(`${hostname} resolves to no public address (${reasons}); ${allowHint} allows it`));
    }
    if ((options as LookupOptions).all) return (callback as (e: null, a: LookupAddress[]) => void)(null, allowed);
    (callback as (e: null, a: string, f: number) => void)(null, allowed[0]!.address, allowed[0]!.family);
  });
};

export class HttpDelivery {
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(private readonly options: HttpDeliveryOptions) {}

  /** `timeoutMs`: this attempt's deadline instead of the options'. */
  post(url: string, body: string, headers: Record<string, string>, timeoutMs = this.options.timeoutMs): Promise<AttemptResult> {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!this.options.allowPrivateAddresses && isIP(host) !== 0) {
      const refused = refusedAddress(host);
      if (refused) return Promise.resolve({ kind: 'unanswered', failure: 'address_refused', message: `${refused}; ${this.options.allowHint} allows it` });
    }
    const secure = target.protocol === 'https:';
    return new Promise((resolve) => {
      const request = (secure ? https : http).request(target, {
        method: 'POST',
        agent: secure ? this.agents.https : this.agents.http,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': this.options.userAgent, ...headers },
        ...(this.options.allowPrivateAddresses ? {} : { lookup: publicOnlyLookup(this.options.allowHint) }),
      });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        request.destroy(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      request.once('response', (response) => {
        clearTimeout(timer);
        const retryAfter = response.headers['retry-after'];
        // the answer's body is of no use: drained so the connection can be reused
        response.resume();
        response.on('error', () => undefined);
        resolve({ kind: 'answered', status: response.statusCode ?? 0, ...(retryAfter === undefined ? {} : { retryAfter }) });
      });
      request.once('error', (error: Error & { code?: string }) => {
        clearTimeout(timer);
        if (error instanceof AddressRefused) resolve({ kind: 'unanswered', failure: 'address_refused', message: error.message });
        else resolve({ kind: 'unanswered', failure: timedOut ? 'timeout' : 'network', message: error.code ? `${error.code}: ${error.message}` : error.message });
      });
      request.end(body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
