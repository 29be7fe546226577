/**
 * The commands processor's state changelog: a compacted topic, partition for
 * partition with its inputs, keyed so that compaction keeps exactly the
 * current state:
 *
 * - `<tenant>/<site>/<device>`: the device (presence, arrival counter, last finished ids);
 * - `<tenant>/<site>/<device>\0<command id>`: an open command, tombstoned when it finishes;
 * - `\0restore:<partition>`: the marker a restore writes to know where the log ended, with the read's id as value (lib/read-to-markers.ts).
 *
 * A command is a record of its own, so a transition writes one command, not
 * the device's whole queue. Pure: no I/O.
 */
import type { DeviceAddress } from '../../schemas/series-path';
import type { DeviceRecord, OpenCommand } from './device-commands';
import type { DeviceChanges, PartitionCommands } from './partition-commands';

/** Neither device keys nor UUIDs hold U+0000. */
const SEPARATOR = '\u0000';

/** The key prefix of restore markers. */
export const RESTORE_MARKER = '\u0000restore:';

export interface ChangelogRecord {
  key: string;
  value: string | null;
}

export function changelogRecords(changes: readonly DeviceChanges[]): ChangelogRecord[] {
  const records: ChangelogRecord[] = [];
  for (const { key, record, written, removed } of changes) {
    if (record) records.push({ key, value: JSON.stringify(record) });
    for (const command of written) records.push({ key: `${key}${SEPARATOR}${command.id}`, value: JSON.stringify(command) });
    for (const id of removed) records.push({ key: `${key}${SEPARATOR}${id}`, value: null });
  }
  return records;
}

function deviceOf(key: string): DeviceAddress | undefined {
  const [tenant, site, device, ...rest] = key.split('/');
  if (!tenant || !site || !device || rest.length > 0) return undefined;
  return { tenant, site, device };
}

/** Takes one partition's records in offset order (the latest of a key wins) and rebuilds the devices they describe. */
export class CommandStateReader {
  private readonly records = new Map<string, DeviceRecord>();
  /** device key -> command id -> command */
  private readonly commands = new Map<string, Map<string, OpenCommand>>();

  read(key: string, value: Buffer | null): void {
    if (key.startsWith(SEPARATOR)) return;
    const at = key.indexOf(SEPARATOR);
    if (at < 0) {
      if (value) this.records.set(key, JSON.parse(value.toString()) as DeviceRecord);
      else this.records.delete(key);
      return;
    }
    const device = key.slice(0, at);
    const id = key.slice(at + 1);
    let open = this.commands.get(device);
    if (!open) this.commands.set(device, (open = new Map()));
    if (value) open.set(id, JSON.parse(value.toString()) as OpenCommand);
    else open.delete(id);
  }

  /** Compaction may have put a command's record before its device's latest: they are matched only here. */
  restoreInto(state: PartitionCommands): void {
    for (const [key, record] of this.records) {
      const device = deviceOf(key);
      if (device) state.restore(device, record, [...(this.commands.get(key)?.values() ?? [])]);
    }
  }
}
