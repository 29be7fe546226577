/**
 * The email handler's SMTP transport (nodemailer: the maintained SMTP client
 * for Node, no native code; a pooled transport keeps connections open). A
 * reply of 5xx is a permanent refusal (RFC 5321 4.2.1); connection failures,
 * timeouts and 4xx are worth another attempt.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailMessage, EmailOutcome } from './handler-services';

export class SmtpMailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    timeoutMs: number,
  ) {
    const url = new URL(smtpUrl);
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: 4,
      host: url.hostname,
      port: url.port === '' ? (url.protocol === 'smtps:' ? 465 : 587) : Number(url.port),
      secure: url.protocol === 'smtps:',
      ...(url.username === '' ? {} : { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(message: EmailMessage): Promise<EmailOutcome> {
    try {
      const info = (await this.transport.sendMail({ from: this.from, ...message })) as { response?: string };
      return { sent: true, response: info.response ?? 'sent' };
    } catch (error) {
      const { responseCode, message: text } = error as { responseCode?: number; message: string };
      return { sent: false, permanent: responseCode !== undefined && responseCode >= 500, reason: responseCode === undefined ? `SMTP: ${text}` : `SMTP ${responseCode}: ${text}` };
    }
  }

  close(): void {
    this.transport.close();
  }
}
