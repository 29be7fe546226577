import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseOptions } from '../lib/config';
import { parameterKinds, type ParameterKind } from '../schemas/types';

/**
 * The series catalogue: which kind (and unit) a series has when its payload
 * does not say. A JSON file of rules, first match wins:
 *
 *   { "series": [
 *       { "path": "/acme/*\/*\/energy_kwh", "kind": "energy", "unit": "kWh" },
 *       { "metric": "temperature", "kind": "non_additive", "unit": "degC" } ] }
 *
 * `path` is a pattern where `*` stands for one path segment; `metric` matches
 * the last segment exactly.
 */
const ruleSchema = z
  .strictObject({
    path: z.string().startsWith('/').optional(),
    metric: z.string().min(1).optional(),
    kind: z.enum(parameterKinds as [ParameterKind, ...ParameterKind[]]),
    unit: z.string().min(1).optional(),
  })
  .refine((rule) => rule.path !== undefined || rule.metric !== undefined, 'a rule needs "path" or "metric"');

const catalogueSchema = z.strictObject({ series: z.array(ruleSchema) });

export type CatalogueRule = z.infer<typeof ruleSchema>;

export interface SeriesCatalogue {
  lookup(path: string, metric: string): { kind: ParameterKind; unit?: string } | undefined;
}

export function seriesCatalogue(rules: CatalogueRule[]): SeriesCatalogue {
  const compiled = rules.map((rule) => ({
    rule,
    path: rule.path === undefined ? undefined : new RegExp(`^${rule.path.split('*').map(escapeRegExp).join('[^/]+')}$`),
  }));
  return {
    lookup(path, metric) {
      const hit = compiled.find(({ rule, path: pattern }) => (pattern === undefined || pattern.test(path)) && (rule.metric === undefined || rule.metric === metric));
      return hit && { kind: hit.rule.kind, unit: hit.rule.unit };
    },
  };
}

export function loadSeriesCatalogue(file: string | undefined): SeriesCatalogue {
  if (file === undefined) return seriesCatalogue([]);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`series catalogue ${file}: ${(error as Error).message} (set catalogueFile, MQTT_SOURCE_CATALOGUE_FILE or HTTP_SOURCE_CATALOGUE_FILE, to a readable JSON file)`, { cause: error });
  }
  return seriesCatalogue(parseOptions(catalogueSchema, json, `series catalogue ${file}`).series);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
