/**
 * The one interface every handler kind implements (one file each, listed in
 * handler-table.ts). A handler runs one attempt of one execution and says
 * how it went; the workers own the retry state, the deadline, the lease and
 * the results (execution-step.ts, execution-loop.ts). A handler must pass the
 * execution id on to its receiver as the idempotency key, so that an attempt
 * run twice (a crash between the action and its record) is recognisable there.
 */
import type { z } from 'zod';
import type { HandlerKind, handlerTargetSchemas } from '../../schemas/handlers';
import type { HandlerServices } from './handler-services';

/** What one attempt gave. */
export type HandlerOutcome =
  | { kind: 'succeeded'; detail: string }
  /** Worth another attempt on the retry schedule; `afterMs`: the receiver asked to wait at least this long (Retry-After). */
  | { kind: 'retry'; reason: string; afterMs?: number }
  /** No attempt can succeed (refused for good): the execution FAILED. */
  | { kind: 'failed'; reason: string }
  /** Sent; the outcome comes later (a command's status, which finishes the execution), or by `untilMs` it FAILED. */
  | { kind: 'awaiting'; detail: string; untilMs: number };

/** One execution as a handler sees it, its target parsed by the kind's schema. */
export interface HandlerExecution<T> {
  executionId: string;
  tenant: string;
  target: T;
  /** What triggered it, JSON text. */
  payload: string;
  originId: string;
  trigger: string;
  firedAt: number;
  /** Attempts made before this one. */
  attempts: number;
}

export interface Handler<K extends HandlerKind = HandlerKind> {
  kind: K;
  targetSchema: (typeof handlerTargetSchemas)[K];
  /**
   * Who receives it, for the workers' per-receiver limit: one receiver that is
   * slow or down holds its own slots only (a URL's origin, the SMTP server, a device).
   */
  receiverOf(tenant: string, target: z.output<(typeof handlerTargetSchemas)[K]>): string;
  /** The id of the request whose answer finishes an execution (a command's, a shadow update's; answers-consumer.ts), if it awaits one. */
  awaitedIdOf?(executionId: string, target: z.output<(typeof handlerTargetSchemas)[K]>): string | undefined;
  execute(execution: HandlerExecution<z.output<(typeof handlerTargetSchemas)[K]>>, services: HandlerServices): Promise<HandlerOutcome>;
}
