/**
 * A local webhook receiver for the benchmarks (node:http on 127.0.0.1, port
 * 0): a request to `/ok/...` is answered 204 at once, one to `/never/...`
 * never (the connection stays open until the sender gives up, as a hung
 * endpoint's does). Every request is kept with its path, body and arrival
 * time (`performance.now()`, the clock the benchmarks stamp what they
 * produce with).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  at: number;
  body: string;
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Requests to `/never/...` whose connection is still open (the sender has not given up yet). */
  openNever = 0;

  private constructor(
    private readonly server: Server,
    readonly base: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        receiver.received.push({ path, at: performance.now(), body: Buffer.concat(chunks).toString('utf8') });
        if (!path.startsWith('/never/')) return void response.writeHead(204).end();
        receiver.openNever++;
        response.once('close', () => receiver.openNever--);
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return receiver;
  }

  /** The URL of an endpoint that answers at once. */
  ok(name: string): string {
    return `${this.base}/ok/${name}`;
  }

  /** The URL of an endpoint that never answers. */
  never(name: string): string {
    return `${this.base}/never/${name}`;
  }

  /** Requests received so far to `path`-prefixed endpoints. */
  to(prefix: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path.startsWith(prefix));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
