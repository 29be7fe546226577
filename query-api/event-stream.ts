/**
 * One Server-Sent Events answer: the hijacked response, counted among the
 * server's live streams (at most maxLiveStreams), a keep-alive comment every
 * liveHeartbeat, ended when the client goes or the server closes. A client
 * that stops reading is dropped rather than buffered without bound.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FleetstreamError } from '../lib/errors';
import type { ApiContext } from './context';

const maxBufferedBytes = 1 << 20;

export interface EventStream {
  /** `event: <event>` with `data` as JSON; nothing once closed. */
  send(event: string, data: unknown): void;
  readonly closed: boolean;
  /** Called once, when the stream ends. */
  onClose(cleanup: () => void): void;
  close(): void;
}

/** Opens the stream, or throws (a 503) when the server holds its most. `what` names it in the logs. */
export function openEventStream(request: FastifyRequest, reply: FastifyReply, context: ApiContext, what: unknown): EventStream {
  if (context.liveStreams.size >= context.options.maxLiveStreams) {
    throw new FleetstreamError('REDIS_UNAVAILABLE', `the server holds its maximum of ${context.options.maxLiveStreams} live streams (maxLiveStreams); retry later`);
  }
  const response = reply.raw;
  reply.hijack();
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  context.liveStreams.add(response);
  const cleanups: (() => void)[] = [];
  let closed = false;
  const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), context.options.liveHeartbeat);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    context.liveStreams.delete(response);
    for (const cleanup of cleanups) cleanup();
    if (!response.writableEnded) response.end();
  };
  request.raw.on('close', close);
  response.on('close', close);
  return {
    send(event, data) {
      if (closed) return;
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (response.writableLength > maxBufferedBytes) {
        context.logger.warn({ event: 'live_stream_dropped', watched: what }, 'live client too slow; stream closed');
        close();
      }
    },
    get closed() {
      return closed;
    },
    onClose(cleanup) {
      if (closed) cleanup();
      else cleanups.push(cleanup);
    },
    close,
  };
}
