/**
 * One leader at a time (the automations scheduler, the notifications
 * flusher): a PostgreSQL session advisory lock, held
 * on a connection of its own. PostgreSQL releases it when that session ends,
 * so a leader that dies (kill -9, a lost network) hands over to a standby
 * within its poll interval. The leader checks its session every poll too and
 * steps down as soon as the session is gone, before another can take over
 * (pg_try_advisory_lock is granted to one session only).
 */
import { Client } from 'pg';
import type { Logger } from './logger';

export interface LeadershipOptions {
  connectionString: string;
  /** names the lock: instances of one registry schema share it */
  lockName: string;
  /** the lock session's application_name, seen in pg_stat_activity */
  applicationName: string;
  pollIntervalMs: number;
  logger: Logger;
  onChange(leader: boolean): void;
}

export class AdvisoryLeadership {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leader = false;
  private stopped = false;

  constructor(private readonly options: LeadershipOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    void this.poll();
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.client) {
        const client = new Client({ connectionString: this.options.connectionString, application_name: this.options.applicationName, connectionTimeoutMillis: 5000 });
        client.on('error', () => this.lose('the lock session failed'));
        client.on('end', () => this.lose('the lock session ended'));
        await client.connect();
        this.client = client;
      }
      if (this.leader) {
        await this.client.query('select 1');
      } else {
        const { rows } = await this.client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [this.options.lockName]);
        if (rows[0]?.locked && !this.stopped) this.change(true);
      }
    } catch (error) {
      this.options.logger.warn({ event: 'leadership_check_failed', err: error }, 'the leader lock could not be checked; trying again');
      this.lose('the lock session failed');
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), this.options.pollIntervalMs);
  }

  private lose(why: string): void {
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners('end');
    void client?.end().catch(() => undefined);
    if (this.leader) {
      this.options.logger.warn({ event: 'leadership_lost', why }, 'this instance is no longer the leader');
      this.change(false);
    }
  }

  private change(leader: boolean): void {
    this.leader = leader;
    if (leader) this.options.logger.info({ event: 'leadership_taken', lock: this.options.lockName }, 'this instance leads');
    this.options.onChange(leader);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    if (this.leader) this.change(false);
    if (client) {
      client.removeAllListeners('end');
      // ending the session releases the lock
      await client.end().catch(() => undefined);
    }
  }
}
