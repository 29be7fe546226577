import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { FleetstreamError } from './errors';

/** Reads a file an option names; injected by the unit tests of what uses it. */
export type ReadFile = (path: string) => Buffer;

/**
 * The security options of one connection (Kafka's, the schema registry's,
 * MQTT's), checked together at start: the files they name are read then, and
 * every problem is reported at once, each naming its variable.
 */
export class SecurityOptionsReader<K extends string> {
  private readonly problems: string[] = [];

  constructor(
    private readonly fragment: Record<K, z.ZodType>,
    private readonly connection: string,
    private readonly read: ReadFile = readFileSync,
  ) {}

  /** `KAFKA_CA_FILE` for `kafkaCaFile` (the fragments name their variables). */
  variable(key: K): string {
    return (this.fragment[key].meta() as { env?: string } | undefined)?.env ?? key;
  }

  /** The file's contents, or undefined (with the problem noted) when there is no file or it cannot be read. */
  file(key: K, path: string | undefined): Buffer | undefined {
    if (path === undefined) return undefined;
    try {
      return this.read(path);
    } catch (error) {
      this.problems.push(`${this.variable(key)}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return undefined;
    }
  }

  /** Notes a problem when `when` holds: `message` says what to set. */
  require(when: boolean, message: string): void {
    if (when) this.problems.push(message);
  }

  /** Throws CONFIG_INVALID with every problem noted, if any. */
  done(): void {
    if (this.problems.length > 0) throw new FleetstreamError('CONFIG_INVALID', `${this.connection} security options: ${this.problems.join('; ')}`);
  }
}
