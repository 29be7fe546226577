import type { FastifyInstance } from 'fastify';
import { FleetstreamError } from '../../lib/errors';
import type { ApiContext } from '../context';
import { openEventStream } from '../event-stream';
import { errorBodySchema } from '../http-errors';
import type { LiveValue } from '../../schemas/redis-keys';
import { checkPath, checkPrefix, inScope } from '../tenant-scope';

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
      const stream = openEventStream(request, reply, context, watched);
      const send = (value: LiveValue) => {
        if (inScope(scope, value.path)) stream.send('value', value);
      };
      let stop: () => Promise<void>;
      try {
        stop = path === undefined ? await context.live.watchPrefix(watched, send) : await context.live.watchPath(watched, send);
      } catch (error) {
        context.logger.error({ event: 'live_subscribe_failed', watched, err: error }, 'live subscription failed');
        stream.send('error', { code: 'REDIS_UNAVAILABLE', message: 'subscription to Redis failed; reconnect later' });
        stream.close();
        return;
      }
      stream.onClose(() => void stop());
      stream.send('subscribed', path === undefined ? { prefix: watched } : { path: watched });
    },
  );
}
