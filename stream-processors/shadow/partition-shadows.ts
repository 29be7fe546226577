/**
 * The shadows of one input partition: what the last committed transaction
 * left, and what the transaction under way changed on top of it. A batch's
 * changes are staged; `commit` takes them once its transaction committed,
 * `discard` throws them away when it failed. Pure.
 */
import { absentShadow, type Shadow } from './shadow-document';

export class PartitionShadows {
  private readonly committed = new Map<string, Shadow>();
  private readonly staged = new Map<string, Shadow>();

  get(deviceKey: string): Shadow {
    return this.staged.get(deviceKey) ?? this.committed.get(deviceKey) ?? absentShadow();
  }

  stage(deviceKey: string, shadow: Shadow): void {
    this.staged.set(deviceKey, shadow);
  }

  /** A shadow read back from the shadows topic. */
  restore(deviceKey: string, shadow: Shadow | undefined): void {
    if (shadow) this.committed.set(deviceKey, shadow);
    else this.committed.delete(deviceKey);
  }

  commit(): void {
    for (const [key, shadow] of this.staged) this.committed.set(key, shadow);
    this.staged.clear();
  }

  discard(): void {
    this.staged.clear();
  }

  /** Devices with a shadow, deleted ones included (they keep their version). */
  get size(): number {
    return this.committed.size;
  }
}
