/**
 * Real HTTP receivers for webhook tests (node:http on port 0) that answer as
 * a test scripts them and record every request, and a Standard Webhooks
 * signature check written from the spec alone.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onCleanup } from './factories';

export interface ReceivedRequest {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What a receiver answers its n-th request (from 1): a status and headers, or never. */
export type Answer = { status: number; headers?: Record<string, string> } | 'never';

export class Receiver {
  readonly requests: ReceivedRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(answer: (n: number) => Answer = () => ({ status: 200 }), host = '127.0.0.1'): Promise<Receiver> {
    let count = 0;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver.requests.push({ at: Date.now(), headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const reply = answer(++count);
        if (reply === 'never') return;
        response.writeHead(reply.status, reply.headers).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new Receiver(server, `http://${host}:${(server.address() as AddressInfo).port}/hook`);
    onCleanup(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    return receiver;
  }

  get ids(): string[] {
    return this.requests.map((r) => String(r.headers['webhook-id']));
  }
}

/** Whether a request's `webhook-signature` holds a v1 signature made with `secret`, computed here from the spec alone. */
export function signedWith(request: ReceivedRequest, secret: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.${request.body}`).digest();
  return String(request.headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}
