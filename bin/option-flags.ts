import { Command, Option } from 'commander';
import type { z } from 'zod';
import { describeOptions } from '../lib/config';

/** `sitesPerTenant` -> `--sites-per-tenant`. */
export function flagName(key: string): string {
  return `--${key.replace(/([A-Z])/g, '-$1').toLowerCase()}`;
}

/**
 * Flags generated from an options schema: one `--kebab-case <value>` per
 * option, described from the schema, handed back as the schema's keys with
 * their text values (the schema coerces and validates them). Options that
 * name a connection variable (MQTT_URL, ...) stay variables.
 */
export function addOptionFlags(command: Command, schema: z.ZodObject, skip: readonly string[] = []): Command {
  for (const doc of describeOptions(schema, '')) {
    if (skip.includes(doc.key) || isConnection(schema, doc.key)) continue;
    const description = doc.default === undefined ? doc.description : `${doc.description} (default ${doc.default})`;
    command.addOption(new Option(`${flagName(doc.key)} <value>`, description));
  }
  return command;
}

function isConnection(schema: z.ZodObject, key: string): boolean {
  const meta = (schema.shape[key] as z.ZodType).meta() as { env?: string } | undefined;
  return meta?.env !== undefined;
}

/** The options flags leave to variables (MQTT_URL, MQTT_CA_FILE, ...), as schema input: only those set. */
export function variableValues(schema: z.ZodObject, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    describeOptions(schema, '').flatMap((doc) => {
      const value = isConnection(schema, doc.key) ? env[doc.env] : undefined;
      return value === undefined || value === '' ? [] : [[doc.key, value]];
    }),
  );
}

/** The flags commander parsed, as schema input: only those given. */
export function flagValues(parsed: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined).map(([key, value]) => [key, String(value)]));
}
