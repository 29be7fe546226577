/**
 * Device-type schemas are JSON Schema (draft-07), the format users already
 * write configuration schemas in; ajv compiles them and checks documents
 * against them. Unknown keywords are refused (a typo such as `requried`
 * would otherwise check nothing), `format` is checked (ajv-formats).
 *
 * A schema comes from a tenant, and its documents are checked in the API's
 * one event loop: a schema must also pass ajv's meta-schema for the security
 * of untrusted schemas (`pattern` and `format` need a `maxLength`, and so
 * on), which bounds the work a crafted regular expression can make, as ajv's
 * documentation advises for schemas from outside.
 * Pure (no I/O).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import secureSchema from 'ajv/lib/refs/json-schema-secure.json';
import { FleetstreamError } from '../../lib/errors';

/** What an answer shows of one ajv error. */
export interface SchemaProblem {
  instancePath: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

function problems(errors: ErrorObject[] | null | undefined): SchemaProblem[] {
  return (errors ?? []).map((e) => ({ instancePath: e.instancePath, keyword: e.keyword, message: e.message ?? e.keyword, params: e.params as Record<string, unknown> }));
}

/** A fresh validator per schema: ajv keeps every schema it compiled, and schemas come and go with tenants. */
function validator(): Ajv {
  const ajv = new Ajv({ allErrors: true, strictSchema: true, strictTypes: false, strictTuples: false, strictRequired: false, logger: false });
  addFormats(ajv);
  return ajv;
}

/** Compiles a device type's schema, or CONFIG_DOCUMENT_INVALID with what is wrong with it. */
export function compileDeviceTypeSchema(deviceType: string, schema: unknown): ValidateFunction {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new FleetstreamError('CONFIG_DOCUMENT_INVALID', `the schema of device type ${deviceType} is not a JSON Schema object`);
  }
  const ajv = validator();
  try {
    if (!ajv.validateSchema(schema)) {
      throw new FleetstreamError('CONFIG_DOCUMENT_INVALID', `the schema of device type ${deviceType} is not valid JSON Schema (draft-07): ${ajv.errorsText(ajv.errors)}`, { problems: problems(ajv.errors) });
    }
    const secure = ajv.compile(secureSchema);
    if (!secure(schema)) {
      throw new FleetstreamError('CONFIG_DOCUMENT_INVALID', `the schema of device type ${deviceType} may make checking a document slow: ${ajv.errorsText(secure.errors, { dataVar: 'schema' })} (give \`pattern\` and \`format\` a \`maxLength\`)`, {
        problems: problems(secure.errors),
      });
    }
    return ajv.compile(schema);
  } catch (error) {
    if (error instanceof FleetstreamError) throw error;
    // an unknown keyword or format, a $ref that resolves nowhere, a schema nested too deep to walk
    throw new FleetstreamError('CONFIG_DOCUMENT_INVALID', `the schema of device type ${deviceType} does not compile: ${(error as Error).message}`, { cause: error });
  }
}

/** Throws CONFIG_DOCUMENT_INVALID, with ajv's errors as `problems`, unless `config` satisfies the device type's schema. */
export function checkDocument(deviceType: string, validate: ValidateFunction, config: unknown): void {
  if (validate(config)) return;
  throw new FleetstreamError('CONFIG_DOCUMENT_INVALID', `the configuration does not satisfy the schema of device type ${deviceType}: ${new Ajv().errorsText(validate.errors, { dataVar: 'config' })}`, {
    problems: problems(validate.errors),
  });
}
