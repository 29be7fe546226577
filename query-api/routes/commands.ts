/**
 * Commands (RPC) to devices: POST /v1/devices/<tenant>/<site>/<device>/commands
 * (synchronous, or `Prefer: respond-async`), GET /v1/commands/<id>, its
 * events (SSE), DELETE (cancel while queued). They take registry tokens, as
 * the admin API does: sending and canceling need an admin token of the
 * device's tenant (or a platform admin token), reading a read token.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FleetstreamError } from '../../lib/errors';
import { isFinalCommandState } from '../../schemas/commands';
import type { CommandRequest, CommandStatus } from '../../schemas/types';
import { authorize } from '../admin/caller';
import { commandJson, finalOutcome, submittedJson } from '../commands/command-answer';
import { streamCommandEvents } from '../commands/command-events';
import { commandAskSchema, commandErrorSchema, commandIdParamsSchema, commandSchema, deviceParamsSchema } from '../commands/command-schemas';
import type { CommandAsk } from '../commands/commands-service';
import type { ApiContext } from '../context';
import { errorBodySchema } from '../http-errors';

const tags = ['commands'];
const errors = { '4xx': commandErrorSchema, '5xx': commandErrorSchema };
/** How long past its own deadline a synchronous call waits for the processor to say so (its timers, a transaction). */
const processorGraceMs = 2000;

/** The routes whose callers are registry tokens with their roles (server.ts sets `request.caller` for them). */
export function isCommandRoute(url: string): boolean {
  const path = url.split('?')[0]!;
  return path.startsWith('/v1/commands/') || /^\/v1\/devices\/[^/]+\/[^/]+\/[^/]+\/commands\/?$/.test(path);
}

export function registerCommandRoutes(app: FastifyInstance, context: ApiContext): void {
  const { commands } = context;
  const { commandMaxWait, commandAcceptWait } = context.options;

  const unavailable = async (_request: unknown, reply: FastifyReply) => {
    if (commands.available) return;
    reply.header('retry-after', '1');
    commands.checkAvailable();
  };

  /** The command, as this replica holds it or submitted it, once the caller may read it. */
  const readable = (id: string, caller: Parameters<typeof authorize>[0], needs: 'read' | 'admin'): { status?: CommandStatus; request?: CommandRequest } => {
    const status = commands.status(id);
    const request = status ? undefined : commands.submittedRequest(id);
    const owner = status ?? request;
    if (!owner) throw new FleetstreamError('COMMAND_NOT_FOUND', `no command ${id}: it never was, or it finished longer ago than QUERY_API_COMMAND_HISTORY`);
    authorize(caller, needs, owner.tenant);
    return { status, request };
  };

  const sendFinal = (reply: FastifyReply, status: CommandStatus) => {
    const outcome = finalOutcome(status);
    if (outcome.httpStatus === 200) return reply.code(200).send(commandJson(status));
    if (outcome.retryAfterSeconds !== undefined) reply.header('retry-after', String(outcome.retryAfterSeconds));
    return reply.code(outcome.httpStatus).send({ statusCode: outcome.httpStatus, code: outcome.code, message: outcome.message, command: commandJson(status) });
  };

  app.post<{ Params: { tenant: string; site: string; device: string }; Body: CommandAsk }>(
    '/v1/devices/:tenant/:site/:device/commands',
    {
      preHandler: unavailable,
      schema: {
        summary: 'Send a command to a device',
        description: [
          'The device receives `{"params": ..., "expiresAt": <epoch ms>}` on `{base}/cmd/req/<id>/<name>` (QoS 1) and answers on `{base}/cmd/res/<id>/succeeded|failed`.',
          'Synchronous by default: answers once the command is final, 200 with the device\'s answer (state SUCCEEDED, or FAILED when the device answered so), 504 when it did not answer within timeoutMs (or the call waited QUERY_API_COMMAND_MAX_WAIT), 503 when the device is offline and the command not persistent, 409 when canceled; 404 DEVICE_NOT_FOUND for a device the registry does not hold.',
          'With `Prefer: respond-async`: 202 with a Location `/v1/commands/<id>` once the commands processor took it (or after QUERY_API_COMMAND_ACCEPT_WAIT, as SUBMITTED).',
          'Limits per device and per API token: commands unfinished and commands per second; over them, 429 with Retry-After. Needs an admin token of the tenant.',
        ].join(' '),
        tags,
        params: deviceParamsSchema,
        headers: { type: 'object', properties: { prefer: { type: 'string', description: '`respond-async` for a 202 at once' } } },
        body: commandAskSchema,
        response: { 200: commandSchema, 202: commandSchema, ...errors },
      },
    },
    async (request, reply) => {
      const device = request.params;
      authorize(request.caller, 'admin', device.tenant);
      // a command goes to a device of the registry: a mistyped name is a 404, not a 503 for a device that never comes online
      await context.admin.devices.require(request.caller, device);
      const submission = await commands.submit(device, request.body, request.caller.tokenId);
      if ('refused' in submission) {
        const { refused } = submission;
        const seconds = Math.max(1, Math.ceil(refused.retryAfterMs / 1000));
        return reply.code(429).header('retry-after', String(seconds)).send({ statusCode: 429, code: refused.code, message: `${refused.message}; retry after ${seconds} s` });
      }
      const { submitted } = submission;
      reply.header('location', `/v1/commands/${submitted.id}`);
      const gone = new AbortController();
      reply.raw.on('close', () => gone.abort());
      if (/\brespond-async\b/i.test(String(request.headers.prefer ?? ''))) {
        const taken = await commands.waitFor(submitted.id, () => true, commandAcceptWait, gone.signal);
        if (taken && isFinalCommandState(taken.state)) return sendFinal(reply, taken);
        reply.header('preference-applied', 'respond-async');
        return reply.code(202).send(taken ? commandJson(taken) : submittedJson(submitted));
      }
      const budget = submitted.timeoutMs + (submitted.persistent ? (submitted.ttlSeconds ?? 0) * 1000 : 0) + processorGraceMs;
      const final = await commands.waitFor(submitted.id, (s) => isFinalCommandState(s.state), Math.min(budget, commandMaxWait), gone.signal);
      if (final) return sendFinal(reply, final);
      const current = commands.status(submitted.id);
      return reply.code(504).send({
        statusCode: 504,
        code: 'COMMAND_TIMED_OUT',
        message: `no final answer within ${Math.min(budget, commandMaxWait)} ms (QUERY_API_COMMAND_MAX_WAIT caps the wait); the command goes on: follow it at /v1/commands/${submitted.id}`,
        command: current ? commandJson(current) : submittedJson(submitted),
      });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/commands/:id',
    { preHandler: unavailable, schema: { summary: "A command's status and the device's answer", tags, params: commandIdParamsSchema, response: { 200: commandSchema, ...errors } } },
    async (request) => {
      const { status, request: submitted } = readable(request.params.id, request.caller, 'read');
      return status ? commandJson(status) : submittedJson(submitted!);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/commands/:id/events',
    {
      preHandler: unavailable,
      schema: {
        summary: "A command's status changes (Server-Sent Events)",
        description: 'A text/event-stream of `event: status` messages, `id:` the revision and `data:` the command as GET /v1/commands/<id> shows it: first the status the replica holds, then each change, in order; the stream ends after a final state.',
        tags,
        params: commandIdParamsSchema,
        response: { '4xx': errorBodySchema, '5xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const { status, request: submitted } = readable(request.params.id, request.caller, 'read');
      if (context.liveStreams.size >= context.options.maxLiveStreams) {
        throw new FleetstreamError('REDIS_UNAVAILABLE', `the server holds its maximum of ${context.options.maxLiveStreams} streams (maxLiveStreams); retry later`);
      }
      streamCommandEvents(reply, { commands, streams: context.liveStreams, heartbeatMs: context.options.liveHeartbeat, logger: context.logger }, request.params.id, status ? commandJson(status) : submittedJson(submitted!));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/commands/:id',
    {
      preHandler: unavailable,
      schema: {
        summary: 'Cancel a queued command',
        description: 'Only a QUEUED command can be canceled (409 COMMAND_NOT_CANCELABLE otherwise): 200 with it CANCELED, or 202 when the commands processor has not answered within QUERY_API_COMMAND_ACCEPT_WAIT. Needs an admin token of the tenant.',
        tags,
        params: commandIdParamsSchema,
        response: { 200: commandSchema, 202: commandSchema, ...errors },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      readable(id, request.caller, 'admin');
      // one this replica submitted: the processor decides first whether it is queued
      const status = commands.status(id) ?? (await commands.waitFor(id, () => true, commandAcceptWait));
      const notCancelable = (s: CommandStatus) =>
        reply.code(409).send({ statusCode: 409, code: 'COMMAND_NOT_CANCELABLE', message: `command ${id} is ${s.state}: only a QUEUED command can be canceled`, command: commandJson(s) });
      if (!status) {
        const pending = commands.submittedRequest(id);
        if (!pending) throw new FleetstreamError('COMMAND_NOT_FOUND', `no command ${id}`);
        return reply.code(202).send(submittedJson(pending));
      }
      if (status.state !== 'QUEUED') return notCancelable(status);
      await commands.cancel(status, request.caller.tokenId);
      const after = await commands.waitFor(id, (s) => s.revision > status.revision, commandAcceptWait);
      if (!after) return reply.code(202).send(commandJson(status));
      return after.state === 'CANCELED' ? reply.code(200).send(commandJson(after)) : notCancelable(after);
    },
  );
}
