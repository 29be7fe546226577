/**
 * An API replica's copy of fleet.command-status.v1: the newest status of
 * every command, the commands still open per device and per caller (the
 * in-flight limits), and listeners waiting for a command's next status.
 * Every replica reads the whole topic, so any of them answers for any
 * command. Finished commands are forgotten after `historyMs`. Pure: time
 * comes from `now`.
 */
import { isFinalCommandState } from '../../schemas/commands';
import { deviceKey } from '../../schemas/device-topics';
import type { CommandStatus } from '../../schemas/types';

export type StatusListener = (status: CommandStatus) => void;

export class CommandStatusView {
  private readonly statuses = new Map<string, CommandStatus>();
  private readonly openByDevice = new Map<string, Set<string>>();
  private readonly openByCaller = new Map<string, Set<string>>();
  private readonly listeners = new Map<string, Set<StatusListener>>();

  /** `onApply`: called with every status taken. */
  constructor(private readonly options: { historyMs: number; now: () => number; onApply?: (status: CommandStatus) => void }) {}

  /** Takes a status read from the topic; an older revision than the one held (a replay) changes nothing. */
  apply(status: CommandStatus): void {
    const held = this.statuses.get(status.id);
    if (held && held.revision >= status.revision) return;
    const final = isFinalCommandState(status.state);
    if (final && status.finishedAt !== null && status.finishedAt < this.options.now() - this.options.historyMs) {
      // read back from a topic that keeps more than the replica does
      this.forget(status.id);
      return;
    }
    this.statuses.set(status.id, status);
    this.options.onApply?.(status);
    track(this.openByDevice, deviceKey(status), status.id, !final);
    track(this.openByCaller, status.caller, status.id, !final);
    for (const listener of [...(this.listeners.get(status.id) ?? [])]) listener(status);
  }

  get(id: string): CommandStatus | undefined {
    return this.statuses.get(id);
  }

  /** Calls `listener` with each newer status of command `id`; returns what stops it. */
  watch(id: string, listener: StatusListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  /** Commands of the device (`<tenant>/<site>/<device>`) not finished. */
  openOfDevice(key: string): number {
    return this.openByDevice.get(key)?.size ?? 0;
  }

  openOfCaller(caller: string): number {
    return this.openByCaller.get(caller)?.size ?? 0;
  }

  get size(): number {
    return this.statuses.size;
  }

  /** Forgets the commands that finished longer than the history ago. */
  sweep(): void {
    const oldest = this.options.now() - this.options.historyMs;
    for (const [id, status] of this.statuses) if (status.finishedAt !== null && status.finishedAt < oldest) this.forget(id);
  }

  private forget(id: string): void {
    const held = this.statuses.get(id);
    if (!held) return;
    this.statuses.delete(id);
    track(this.openByDevice, deviceKey(held), id, false);
    track(this.openByCaller, held.caller, id, false);
  }
}

function track(index: Map<string, Set<string>>, key: string, id: string, open: boolean): void {
  let ids = index.get(key);
  if (open) {
    if (!ids) index.set(key, (ids = new Set()));
    ids.add(id);
  } else if (ids?.delete(id) && ids.size === 0) {
    index.delete(key);
  }
}
