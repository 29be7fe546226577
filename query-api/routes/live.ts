import type { FastifyInstance } from 'fastify';
import { FleetstreamError } from '../../lib/errors';
import type { ApiContext } from '../context';
import { errorBodySchema } from '../http-errors';
import type { LiveValue } from '../../schemas/redis-keys';
import { checkPath, checkPrefix, inScope } from '../tenant-scope';

// a client that stops reading is dropped rather than buffered without bound
const maxBufferedBytes = 1 << 20;

/** GET /v1/live?path= or ?prefix=: Server-Sent Events of new values, from Redis pub/sub. */
export function registerLiveRoute(app: FastifyInstance, context: ApiContext): void {
  app.get<{ Querystring: { path?: string; prefix?: string } }>(
    '/v1/live',
    {
      schema: {
        summary: 'Live values (Server-Sent Events)',
        description:
          'A text/event-stream: first an `event: subscribed`, then one `event: value` per reading the redis-sink applies, data {"path","time","value","kind","unit"}; a comment line keeps the connection alive. Give exactly one of path or prefix.',
        tags: ['live'],
        querystring: {
          type: 'object',
          properties: { path: { type: 'string', minLength: 1 }, prefix: { type: 'string', minLength: 1 } },
          additionalProperties: false,
        },
        response: { '4xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const { path, prefix } = request.query;
      if ((path === undefined) === (prefix === undefined)) throw new FleetstreamError('QUERY_INVALID', 'give exactly one of path=<series path> or prefix=<path prefix>');
      const scope = request.scope;
      const watched = path === undefined ? checkPrefix(scope, prefix as string) : (checkPath(scope, path), path);
      if (context.liveStreams.size >= context.options.maxLiveStreams) {
        throw new FleetstreamError('REDIS_UNAVAILABLE', `the server holds its maximum of ${context.options.maxLiveStreams} live streams (maxLiveStreams); retry later`);
      }
      const response = reply.raw;
      reply.hijack();
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      context.liveStreams.add(response);
      let stop: (() => Promise<void>) | undefined;
      let closed = false;
      const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), context.options.liveHeartbeat);
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        context.liveStreams.delete(response);
        void stop?.();
        if (!response.writableEnded) response.end();
      };
      request.raw.on('close', close);
      response.on('close', close);
      const send = (value: LiveValue) => {
        if (closed || !inScope(scope, value.path)) return;
        response.write(`event: value\ndata: ${JSON.stringify(value)}\n\n`);
        if (response.writableLength > maxBufferedBytes) {
          context.logger.warn({ event: 'live_stream_dropped', watched }, 'live client too slow; stream closed');
          close();
        }
      };
      try {
        stop = path === undefined ? await context.live.watchPrefix(watched, send) : await context.live.watchPath(watched, send);
      } catch (error) {
        context.logger.error({ event: 'live_subscribe_failed', watched, err: error }, 'live subscription failed');
        response.write(`event: error\ndata: ${JSON.stringify({ code: 'REDIS_UNAVAILABLE', message: 'subscription to Redis failed; reconnect later' })}\n\n`);
        close();
        return;
      }
      if (closed) {
        void stop();
        return;
      }
      response.write(`event: subscribed\ndata: ${JSON.stringify(path === undefined ? { prefix: watched } : { path: watched })}\n\n`);
    },
  );
}
