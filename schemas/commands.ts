/**
 * The commands contract (issue 16), shared by the API, the commands processor
 * and whoever plays a device: the states a command goes through, why one
 * finishes without an answer, the limits of a request, and the body a device
 * receives on `{base}/cmd/req/<id>/<name>`. Pure: no I/O.
 *
 *   QUEUED ──► SENT ──► ACKED ──► SUCCEEDED | FAILED   (the device's answer on cmd/res/<id>/<status>)
 *     │          └────────┴─────► TIMED_OUT            (no answer within timeoutMs of being sent)
 *     ├─► EXPIRED                                        (never sent within its ttl: persistent, the device offline)
 *     └─► CANCELED                                       (DELETE /v1/commands/<id> while queued)
 *   a request to an offline device that is not persistent: FAILED at once, reason offline.
 * A result may come without an ack (SENT ──► SUCCEEDED); only the device's cmd/ack means ACKED.
 */
import { isCommandId, isCommandName } from './device-topics';
import type { CommandRequest, CommandState } from './types';

export const commandStates: readonly CommandState[] = ['QUEUED', 'SENT', 'ACKED', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'EXPIRED', 'CANCELED'];

/** States a command leaves no more. */
export const finalCommandStates: ReadonlySet<CommandState> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'EXPIRED', 'CANCELED']);

export function isFinalCommandState(state: CommandState): boolean {
  return finalCommandStates.has(state);
}

/** Why a command finished without the device's answer (CommandStatus.reason), or with an answer it could not keep. */
export const commandFinishReasons = {
  offline: 'the device was offline and the command not persistent (FAILED; the API answers 503), or went offline while it waited for its in-flight limit',
  timeout: 'the device did not answer within timeoutMs of the command being sent (TIMED_OUT; the API answers 504)',
  expired: 'the command could not be sent before its deadline: its ttl (persistent) or its timeout (waiting for the in-flight limit) (EXPIRED)',
  canceled: 'canceled while queued (CANCELED)',
  queue_full: "the device's queue held the processor's maxQueuedPerDevice commands already (FAILED)",
  answer_too_large: 'the device answered with more than commandLimits.answerMaxBytes; the state is its answer status, the body is not kept',
} as const;

export type CommandFinishReason = keyof typeof commandFinishReasons;

const second = 1000;

/**
 * Limits of one command. The processor keeps each open command whole in its
 * state changelog and the API materializes every status: params are bounded
 * so a record stays far under Kafka's 1 MiB.
 */
export const commandLimits = {
  paramsMaxBytes: 8 * 1024,
  answerMaxBytes: 256 * 1024,
  timeoutMs: { min: 100, max: 10 * 60 * second, default: 30 * second },
  /** The status topic keeps a week (schemas/topics.ts): a command waits three days at most. */
  ttlSeconds: { min: 1, max: 3 * 24 * 60 * 60, default: 60 * 60 },
} as const;

/** What is wrong with a request as the contract has it, or undefined. The API refuses such a request; the processor dead-letters it. */
export function commandRequestProblem(request: CommandRequest): string | undefined {
  if (!isCommandId(request.id)) return `id ${JSON.stringify(request.id)} is not a lower-case UUID`;
  if (request.action === 'cancel') return undefined;
  if (!isCommandName(request.name)) return `name ${JSON.stringify(request.name)} must be 1 to 64 letters, digits or _ . : ~ @ -`;
  const { min, max } = commandLimits.timeoutMs;
  if (!Number.isInteger(request.timeoutMs) || request.timeoutMs < min || request.timeoutMs > max) return `timeoutMs must be an integer from ${min} to ${max}`;
  if (request.persistent) {
    const ttl = commandLimits.ttlSeconds;
    if (request.ttlSeconds === null || !Number.isInteger(request.ttlSeconds) || request.ttlSeconds < ttl.min || request.ttlSeconds > ttl.max) return `a persistent command needs ttlSeconds from ${ttl.min} to ${ttl.max}`;
  }
  if (Buffer.byteLength(request.params) > commandLimits.paramsMaxBytes) return `params take more than ${commandLimits.paramsMaxBytes} bytes as JSON`;
  let params: unknown;
  try {
    params = JSON.parse(request.params);
  } catch {
    return 'params are not JSON';
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return 'params must be a JSON object';
  return undefined;
}

/**
 * The body a device receives on cmd/req/<id>/<name>: `{"params": {...}, "expiresAt": <epoch ms or null>}`.
 * `expiresAt` is when the platform stops waiting for the answer (the command is TIMED_OUT then): a device
 * that gets the request later (its broker session kept it) must not execute it.
 */
export function commandRequestBody(params: string, expiresAt: number | null): Buffer {
  // params are JSON text already (checked by commandRequestProblem): spliced in, not parsed and printed again
  return Buffer.from(`{"params":${params},"expiresAt":${expiresAt === null ? 'null' : String(expiresAt)}}`);
}
