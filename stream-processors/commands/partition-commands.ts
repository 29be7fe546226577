/**
 * The devices of one input partition and their commands: the state one
 * processor owns while the partition is assigned to it. Keeps which devices
 * changed since the last commit (for the changelog) and which have open
 * commands (the only ones a timer can concern). Pure.
 */
import { deviceKey } from '../../schemas/device-topics';
import type { DeviceAddress } from '../../schemas/series-path';
import { DeviceCommands, type DeviceLimits, type DeviceRecord, type Effects, type OpenCommand } from './device-commands';

export interface DeviceChanges {
  key: string;
  record?: DeviceRecord;
  written: OpenCommand[];
  removed: string[];
}

export class PartitionCommands {
  private readonly devices = new Map<string, DeviceCommands>();
  /** devices an input or a timer reached since the last `takeChanges` */
  private readonly touched = new Set<string>();
  /** devices with open commands */
  private readonly active = new Set<string>();

  constructor(private readonly limits: DeviceLimits) {}

  /** Applies `change` to the device's commands (created on first use). */
  apply(device: DeviceAddress, change: (commands: DeviceCommands) => void): void {
    const key = deviceKey(device);
    let commands = this.devices.get(key);
    if (!commands) this.devices.set(key, (commands = new DeviceCommands(device, this.limits)));
    change(commands);
    this.touched.add(key);
    this.track(key, commands);
  }

  /** Finishes what is past its deadline on every device, and sends what that frees. */
  expire(now: number, effects: Effects): void {
    for (const key of [...this.active]) {
      const commands = this.devices.get(key)!;
      const deadline = commands.nextDeadline();
      if (deadline === undefined || deadline > now) continue;
      commands.expire(now, effects);
      this.touched.add(key);
      this.track(key, commands);
    }
  }

  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const key of this.active) {
      const deadline = this.devices.get(key)!.nextDeadline();
      if (deadline !== undefined && (next === undefined || deadline < next)) next = deadline;
    }
    return next;
  }

  takeChanges(): DeviceChanges[] {
    const changes = [...this.touched].map((key) => ({ key, ...this.devices.get(key)!.takeChanges() }));
    this.touched.clear();
    return changes.filter((c) => c.record !== undefined || c.written.length > 0 || c.removed.length > 0);
  }

  get deviceCount(): number {
    return this.devices.size;
  }

  get openCount(): number {
    let count = 0;
    for (const key of this.active) count += this.devices.get(key)!.openCount;
    return count;
  }

  /** A device as the changelog has it, with its open commands. */
  restore(device: DeviceAddress, record: DeviceRecord, commands: readonly OpenCommand[]): void {
    const key = deviceKey(device);
    const restored = new DeviceCommands(device, this.limits, record);
    for (const command of commands) restored.restoreCommand(command);
    this.devices.set(key, restored);
    this.track(key, restored);
  }

  private track(key: string, commands: DeviceCommands): void {
    if (commands.openCount > 0) this.active.add(key);
    else this.active.delete(key);
  }
}
