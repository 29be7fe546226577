/**
 * GET /v1/commands/<id>/events: a command's status changes as Server-Sent
 * Events. First the status the replica holds, then each newer one, in
 * revision order (`id:` is the revision); the stream ends after a final
 * state. A comment line keeps the connection alive.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { Logger } from '../../lib/logger';
import { isFinalCommandState } from '../../schemas/commands';
import type { CommandStatus } from '../../schemas/types';
import { commandJson, type CommandJson } from './command-answer';
import type { CommandsService } from './commands-service';

// a client that stops reading is dropped rather than buffered without bound
const maxBufferedBytes = 1 << 20;

export interface CommandStream {
  commands: CommandsService;
  /** the open streams, ended when the server closes */
  streams: Set<ServerResponse>;
  heartbeatMs: number;
  logger: Logger;
}

export function streamCommandEvents(reply: FastifyReply, stream: CommandStream, id: string, first: CommandJson): void {
  const response = reply.raw;
  reply.hijack();
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  stream.streams.add(response);
  let revision = -1;
  let closed = false;
  const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), stream.heartbeatMs);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    stop();
    stream.streams.delete(response);
    if (!response.writableEnded) response.end();
  };
  const send = (command: CommandJson) => {
    if (closed || command.revision <= revision) return;
    revision = command.revision;
    response.write(`event: status\nid: ${command.revision}\ndata: ${JSON.stringify(command)}\n\n`);
    if (command.state !== 'SUBMITTED' && isFinalCommandState(command.state)) close();
    else if (response.writableLength > maxBufferedBytes) {
      stream.logger.warn({ event: 'command_stream_dropped', id }, 'command events client too slow; stream closed');
      close();
    }
  };
  const stop = stream.commands.watch(id, (status: CommandStatus) => send(commandJson(status)));
  response.on('close', close);
  send(first);
  // a status that came between `first` being read and the watch
  const held = stream.commands.status(id);
  if (held) send(commandJson(held));
}
