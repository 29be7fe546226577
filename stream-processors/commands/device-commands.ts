/**
 * One device's commands: its presence and the commands it has open, as a
 * state machine (the states of schemas/commands.ts). Pure: time comes in as
 * `now`, and what an input changes goes into `Effects` (status records,
 * commands to send, inputs ignored) and into the changes the changelog takes.
 *
 * Invariants:
 * - a command is sent at most once (QUEUED -> SENT happens once; nothing re-sends);
 * - at most `maxInFlight` commands are SENT or ACKED at once; the others wait
 *   QUEUED, in arrival order, and go out as slots free up while the device is online;
 * - every open command has a deadline: QUEUED ones their ttl (persistent) or
 *   their timeout (waiting for a slot), SENT and ACKED ones their timeout from
 *   being sent; `expire(now)` finishes those past it, so timers follow from the
 *   state alone (a restored state has the same ones);
 * - an input about a command that is unknown, finished, or not in a state it
 *   applies to changes nothing and is counted (`ignored`), never an error.
 */
import { commandLimits, type CommandFinishReason } from '../../schemas/commands';
import type { CommandResultStatus } from '../../schemas/device-topics';
import type { DeviceAddress } from '../../schemas/series-path';
import type { CommandRequest, CommandState, CommandStatus } from '../../schemas/types';

export type Presence = 'online' | 'offline' | 'unknown';
export type OpenState = 'QUEUED' | 'SENT' | 'ACKED';

/** A command waiting or under way: what the changelog keeps of it (the status fields it has, its arrival order). */
export type OpenCommand = Pick<CommandStatus, 'id' | 'name' | 'params' | 'caller' | 'persistent' | 'timeoutMs' | 'ttlSeconds' | 'createdAt' | 'queuedAt' | 'sentAt' | 'ackedAt'> & {
  /** arrival order on the device */
  seq: number;
  state: OpenState;
  /** status records written so far */
  revision: number;
};

/** What the changelog keeps of a device besides its open commands. */
export interface DeviceRecord {
  presence: Presence;
  /** when the device said so (its message's receive time) */
  presenceAt: number | null;
  /**
   * Online only until then (epoch ms): a device that talks HTTP has no session whose end says it
   * left, so its `online` lasts a while after its last request. Null (or absent, in records
   * written before it existed) for MQTT devices, whose last will says `offline`.
   */
  onlineUntil?: number | null;
  nextSeq: number;
  /** the ids of its last finished commands, oldest first: a late answer or a repeated request is told from an unknown id */
  finished: string[];
}

export interface DeviceLimits {
  /** commands SENT or ACKED at once */
  maxInFlight: number;
  /** commands QUEUED at once; more fail with reason queue_full */
  maxQueued: number;
}

export type IgnoredInput = 'unknown_command' | 'finished_command' | 'duplicate_request' | 'not_sent' | 'duplicate_ack' | 'not_cancelable';

export interface CommandSend {
  device: DeviceAddress;
  command: OpenCommand;
  /** when the platform stops waiting for the answer: the cmd/req's expiresAt */
  expiresAt: number;
}

/** What inputs changed, for the transaction that commits them. */
export interface Effects {
  statuses: CommandStatus[];
  sends: CommandSend[];
  ignored: IgnoredInput[];
}

export function noEffects(): Effects {
  return { statuses: [], sends: [], ignored: [] };
}

/** Finished ids remembered per device. */
const finishedRemembered = 32;

export function newDeviceRecord(): DeviceRecord {
  return { presence: 'unknown', presenceAt: null, onlineUntil: null, nextSeq: 0, finished: [] };
}

/** When an open command stops waiting: its answer's deadline once sent, else the end of its ttl (persistent) or of its timeout. */
export function deadlineOf(command: OpenCommand): number {
  if (command.sentAt !== null) return command.sentAt + command.timeoutMs;
  return command.createdAt + (command.persistent ? (command.ttlSeconds ?? 0) * 1000 : command.timeoutMs);
}

interface Finish {
  state: Extract<CommandState, 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'EXPIRED' | 'CANCELED'>;
  reason?: CommandFinishReason;
  answer?: Buffer;
  canceledBy?: string;
}

export class DeviceCommands {
  private readonly open = new Map<string, OpenCommand>();
  /** Changed since the last `takeChanges`: the device record, commands written, commands to tombstone. */
  private recordChanged = false;
  private readonly written = new Set<string>();
  private readonly removed = new Set<string>();

  constructor(
    readonly device: DeviceAddress,
    private readonly limits: DeviceLimits,
    private record: DeviceRecord = newDeviceRecord(),
  ) {}

  get presence(): Presence {
    return this.record.presence;
  }

  get openCount(): number {
    return this.open.size;
  }

  /** A command from the changelog (any order: they are kept in arrival order). */
  restoreCommand(command: OpenCommand): void {
    this.open.set(command.id, command);
    const sorted = [...this.open.values()].sort((a, b) => a.seq - b.seq);
    this.open.clear();
    for (const c of sorted) this.open.set(c.id, c);
  }

  request(request: CommandRequest, now: number, effects: Effects): void {
    if (this.open.has(request.id) || this.record.finished.includes(request.id)) {
      effects.ignored.push('duplicate_request');
      return;
    }
    const command: OpenCommand = {
      id: request.id,
      name: request.name,
      params: request.params,
      caller: request.caller,
      persistent: request.persistent,
      timeoutMs: request.timeoutMs,
      ttlSeconds: request.persistent ? request.ttlSeconds : null,
      createdAt: request.createdAt,
      seq: this.record.nextSeq++,
      state: 'QUEUED',
      queuedAt: null,
      sentAt: null,
      ackedAt: null,
      revision: 0,
    };
    this.recordChanged = true;
    // a request read long after it was made (a processor down, a group new to the topic) is never sent
    if (now >= deadlineOf(command)) return this.finish(command, now, effects, { state: 'EXPIRED', reason: 'expired' });
    if (!this.online(now) && !command.persistent) return this.finish(command, now, effects, { state: 'FAILED', reason: 'offline' });
    if (this.online(now) && this.inFlight() < this.limits.maxInFlight && this.queued().length === 0) {
      this.open.set(command.id, command);
      return this.send(command, now, effects);
    }
    if (this.queued().length >= this.limits.maxQueued) return this.finish(command, now, effects, { state: 'FAILED', reason: 'queue_full' });
    command.queuedAt = now;
    this.open.set(command.id, command);
    this.emit(command, now, effects);
  }

  cancel(id: string, by: string, now: number, effects: Effects): void {
    const command = this.find(id, effects);
    if (!command) return;
    if (command.state !== 'QUEUED') {
      effects.ignored.push('not_cancelable');
      return;
    }
    this.finish(command, now, effects, { state: 'CANCELED', reason: 'canceled', canceledBy: by });
  }

  /**
   * The device's retained status changed (or was delivered again). `lastsMs`: an `online` that
   * no `offline` will follow (a device on HTTP) counts for that long after `at`.
   */
  presenceChanged(online: boolean, at: number, now: number, effects: Effects, lastsMs?: number): void {
    this.record.presence = online ? 'online' : 'offline';
    this.record.presenceAt = at;
    this.record.onlineUntil = online && lastsMs !== undefined ? at + lastsMs : null;
    this.recordChanged = true;
    if (online) {
      this.fillSlots(now, effects);
      return;
    }
    // waiting for a slot of a device that went away: a command that may not wait for it fails as it would have on arrival
    for (const command of this.queued()) if (!command.persistent) this.finish(command, now, effects, { state: 'FAILED', reason: 'offline' });
  }

  ack(id: string, now: number, effects: Effects): void {
    const command = this.find(id, effects);
    if (!command) return;
    if (command.state === 'QUEUED') {
      effects.ignored.push('not_sent');
      return;
    }
    if (command.state === 'ACKED') {
      effects.ignored.push('duplicate_ack');
      return;
    }
    command.state = 'ACKED';
    command.ackedAt = now;
    this.emit(command, now, effects);
  }

  /** The device's answer; it may come without an ack. */
  result(id: string, status: CommandResultStatus, body: Buffer, now: number, effects: Effects): void {
    const command = this.find(id, effects);
    if (!command) return;
    if (command.state === 'QUEUED') {
      effects.ignored.push('not_sent');
      return;
    }
    const state = status === 'succeeded' ? 'SUCCEEDED' : 'FAILED';
    const kept = body.length <= commandLimits.answerMaxBytes;
    this.finish(command, now, effects, kept ? { state, answer: body } : { state, reason: 'answer_too_large' });
    this.fillSlots(now, effects);
  }

  /** Finishes the commands past their deadline, then sends what the freed slots allow. */
  expire(now: number, effects: Effects): void {
    let finished = false;
    for (const command of [...this.open.values()]) {
      if (deadlineOf(command) > now) continue;
      finished = true;
      this.finish(command, now, effects, command.state === 'QUEUED' ? { state: 'EXPIRED', reason: 'expired' } : { state: 'TIMED_OUT', reason: 'timeout' });
    }
    if (finished) this.fillSlots(now, effects);
  }

  /** The earliest deadline of an open command, if any. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const command of this.open.values()) {
      const deadline = deadlineOf(command);
      if (next === undefined || deadline < next) next = deadline;
    }
    return next;
  }

  /** What changed since the last call: the device record (if it did), the commands to write and those to tombstone. */
  takeChanges(): { record?: DeviceRecord; written: OpenCommand[]; removed: string[] } {
    const changes = {
      ...(this.recordChanged ? { record: { ...this.record, finished: [...this.record.finished] } } : {}),
      written: [...this.written].flatMap((id) => {
        const command = this.open.get(id);
        return command ? [{ ...command }] : [];
      }),
      removed: [...this.removed],
    };
    this.recordChanged = false;
    this.written.clear();
    this.removed.clear();
    return changes;
  }

  private find(id: string, effects: Effects): OpenCommand | undefined {
    const command = this.open.get(id);
    if (!command) effects.ignored.push(this.record.finished.includes(id) ? 'finished_command' : 'unknown_command');
    return command;
  }

  private inFlight(): number {
    let count = 0;
    for (const command of this.open.values()) if (command.state !== 'QUEUED') count++;
    return count;
  }

  private queued(): OpenCommand[] {
    return [...this.open.values()].filter((c) => c.state === 'QUEUED');
  }

  /** Online now: said so, and (a device on HTTP) not longer ago than its presence lasts. */
  private online(now: number): boolean {
    return this.record.presence === 'online' && (this.record.onlineUntil == null || now < this.record.onlineUntil);
  }

  private fillSlots(now: number, effects: Effects): void {
    if (!this.online(now)) return;
    let free = this.limits.maxInFlight - this.inFlight();
    for (const command of this.queued()) {
      if (free <= 0) break;
      this.send(command, now, effects);
      free--;
    }
  }

  private send(command: OpenCommand, now: number, effects: Effects): void {
    command.state = 'SENT';
    command.sentAt = now;
    this.emit(command, now, effects);
    effects.sends.push({ device: this.device, command: { ...command }, expiresAt: now + command.timeoutMs });
  }

  /** A status record of an open command, which the changelog writes too. */
  private emit(command: OpenCommand, now: number, effects: Effects): void {
    command.revision++;
    this.written.add(command.id);
    effects.statuses.push(this.status(command, command.state, now, {}));
  }

  private finish(command: OpenCommand, now: number, effects: Effects, finish: Finish): void {
    if (this.open.delete(command.id)) {
      this.written.delete(command.id);
      this.removed.add(command.id);
    }
    this.record.finished.push(command.id);
    if (this.record.finished.length > finishedRemembered) this.record.finished.splice(0, this.record.finished.length - finishedRemembered);
    this.recordChanged = true;
    command.revision++;
    effects.statuses.push(this.status(command, finish.state, now, finish));
  }

  private status(command: OpenCommand, state: CommandState, now: number, finish: Partial<Finish>): CommandStatus {
    const { tenant, site, device } = this.device;
    const final = finish.state !== undefined;
    return {
      id: command.id,
      tenant,
      site,
      device,
      name: command.name,
      params: command.params,
      caller: command.caller,
      persistent: command.persistent,
      timeoutMs: command.timeoutMs,
      ttlSeconds: command.ttlSeconds,
      state,
      reason: finish.reason ?? null,
      answer: finish.answer ?? null,
      createdAt: command.createdAt,
      queuedAt: command.queuedAt,
      sentAt: command.sentAt,
      ackedAt: command.ackedAt,
      finishedAt: final ? now : null,
      canceledBy: finish.canceledBy ?? null,
      revision: command.revision,
      updatedAt: now,
    };
  }
}
