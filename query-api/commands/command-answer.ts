/**
 * A command as the API shows it, and what an HTTP request that waited for a
 * command answers once it is final. Pure.
 */
import type { ErrorCode } from '../../lib/errors';
import type { CommandRequest, CommandState, CommandStatus } from '../../schemas/types';

/** SUBMITTED: written to Kafka by this replica, not yet taken by the commands processor. */
export type ShownState = CommandState | 'SUBMITTED';

/** A command's status with its params and the device's answer as JSON, not text and bytes. */
export type CommandJson = Omit<CommandStatus, 'params' | 'answer' | 'state'> & {
  params: unknown;
  /** the device's answer: its JSON when it is JSON, else its text */
  answer: unknown;
  state: ShownState;
};

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function commandJson(status: CommandStatus): CommandJson {
  const { answer, params, ...rest } = status;
  return { ...rest, params: parsed(params), answer: answer === null ? null : parsed(answer.toString('utf8')) };
}

/** A command this replica submitted and has no status of yet. */
export function submittedJson(request: CommandRequest): CommandJson {
  const { id, tenant, site, device, name, params, caller, persistent, timeoutMs, ttlSeconds, createdAt } = request;
  return {
    id,
    tenant,
    site,
    device,
    name,
    params: parsed(params),
    caller,
    persistent,
    timeoutMs,
    ttlSeconds,
    state: 'SUBMITTED',
    reason: null,
    answer: null,
    createdAt,
    queuedAt: null,
    sentAt: null,
    ackedAt: null,
    finishedAt: null,
    canceledBy: null,
    updatedAt: createdAt,
    revision: 0,
  };
}

export interface Outcome {
  httpStatus: number;
  /** absent for a 200 */
  code?: ErrorCode;
  message?: string;
  retryAfterSeconds?: number;
}

/**
 * What a request that waited for a final status answers: the device's answer
 * (succeeded or failed) is a 200 with the command; a command that got no
 * answer is the error that says why.
 */
export function finalOutcome(status: CommandStatus): Outcome {
  const device = `${status.tenant}/${status.site}/${status.device}`;
  switch (status.state) {
    case 'SUCCEEDED':
      return { httpStatus: 200 };
    case 'FAILED':
      if (status.reason === 'offline') return { httpStatus: 503, code: 'COMMAND_DEVICE_OFFLINE', message: `device ${device} is offline and the command is not persistent; send it with "persistent": true to have it wait` };
      if (status.reason === 'queue_full') return { httpStatus: 429, code: 'COMMAND_QUEUE_FULL', message: `device ${device} has the most commands waiting the commands processor allows (COMMANDS_MAX_QUEUED_PER_DEVICE)`, retryAfterSeconds: 1 };
      return { httpStatus: 200 };
    case 'TIMED_OUT':
      return { httpStatus: 504, code: 'COMMAND_TIMED_OUT', message: `device ${device} did not answer within ${status.timeoutMs} ms of the command being sent` };
    case 'EXPIRED':
      return { httpStatus: 504, code: 'COMMAND_EXPIRED', message: `the command could not be sent to device ${device} before its deadline (its ttl, or its timeout while it waited for the device's in-flight limit)` };
    case 'CANCELED':
      return { httpStatus: 409, code: 'COMMAND_CANCELED', message: `the command was canceled by ${status.canceledBy ?? 'a caller'} while queued` };
    default:
      return { httpStatus: 504, code: 'COMMAND_TIMED_OUT', message: `no final answer yet (${status.state}); follow it at /v1/commands/${status.id}` };
  }
}
