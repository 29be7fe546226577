/**
 * `email`: one message through the workers' SMTP server. Its Message-ID
 * derives from the execution id and an `X-Fleetstream-Execution` header
 * carries it, so a message sent again after a crash is recognisable as the
 * same one. A 5xx reply fails for good; anything else is retried.
 */
import { emailTargetSchema } from '../../schemas/handlers';
import { messageIdFor } from './derived-ids';
import type { Handler, HandlerExecution } from './handler';

/** `text`, then the payload as indented JSON. */
export function emailText(execution: HandlerExecution<{ text?: string | undefined }>): string {
  const payload = JSON.stringify(JSON.parse(execution.payload), null, 2);
  const about = `execution ${execution.executionId}, ${execution.trigger}, fired ${new Date(execution.firedAt).toISOString()}`;
  return `${execution.target.text === undefined ? '' : `${execution.target.text}\n\n`}${payload}\n\n-- \n${about}\n`;
}

export const emailHandler: Handler<'email'> = {
  kind: 'email',
  targetSchema: emailTargetSchema,
  receiverOf: () => 'smtp',
  async execute(execution, services) {
    if (services.email === undefined) return { kind: 'retry', reason: 'no SMTP server is configured: set HANDLERS_SMTP_URL' };
    const { target } = execution;
    const outcome = await services.email.send({
      to: target.to,
      cc: target.cc,
      subject: target.subject,
      text: emailText(execution),
      messageId: messageIdFor(execution.executionId, services.email.messageIdDomain),
      headers: { 'X-Fleetstream-Execution': execution.executionId },
    });
    if (outcome.sent) return { kind: 'succeeded', detail: outcome.response };
    return outcome.permanent ? { kind: 'failed', reason: outcome.reason } : { kind: 'retry', reason: outcome.reason };
  },
};
