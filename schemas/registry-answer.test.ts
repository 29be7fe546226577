import { RestError } from '@confluentinc/schemaregistry/dist/rest-error';
import { classifyRegistryAnswer, registryError } from './registry-answer';

// Answers as the client reports them (message, HTTP status, body error_code). The Apicurio
// ones were observed from the local Apicurio 2.4.2 (/apis/ccompat/v7); the Confluent and
// Karapace ones are the codes of their sources (Confluent rest/exceptions/Errors.java,
// Karapace SchemaErrorCodes).
const answers: [string, RestError, ReturnType<typeof classifyRegistryAnswer>][] = [
  ['Apicurio, subject created concurrently', new RestError("An artifact with ID 'fleet.deadletter.v1-value' in group 'null' already exists.", 409, 409), 'conflict'],
  ['Apicurio, compatibility rule created concurrently', new RestError("A rule named 'COMPATIBILITY' already exists.", 409, 0), 'conflict'],
  ['Apicurio, incompatible schema', new RestError('Incompatible artifact: s-value [AVRO], num of incompatible diffs: {1}', 409, 0), 'conflict'],
  ['Confluent, incompatible schema', new RestError('Schema being registered is incompatible with an earlier schema for subject "s-value"', 409, 409), 'conflict'],
  ['Karapace, incompatible schema', new RestError('Incompatible schema, compatibility_mode=BACKWARD', 409, 409), 'conflict'],
  ['Apicurio, unparseable schema', new RestError('Failed to discover artifact type from content.', 422, 42201), 'refused'],
  ['Confluent, invalid schema', new RestError('Invalid schema', 422, 42201), 'refused'],
  ['Confluent, invalid compatibility level', new RestError('Invalid compatibility level', 422, 42203), 'refused'],
  ['Confluent, read-only mode', new RestError('Subject s-value is in read-only mode', 422, 42205), 'refused'],
  ['an authorisation failure', new RestError('Unauthorized', 401, 40101), 'refused'],
  ['Apicurio, no such subject', new RestError("No artifact with ID 's-value' in group 'null' was found.", 404, 40401), 'not-found'],
  ['Confluent, schema not under the subject', new RestError('Schema not found', 404, 40403), 'not-found'],
  ['Confluent, no subject-level compatibility', new RestError("Subject 's-value' does not have subject-level compatibility configured", 404, 40408), 'not-found'],
  ['Confluent, store error', new RestError('Error while registering schema', 500, 50001), 'unavailable'],
  ['Confluent, leader unknown', new RestError('Unknown leader', 500, 50004), 'unavailable'],
  ['Karapace, no primary', new RestError('Error while forwarding the request to the master.', 500, 50003), 'unavailable'],
  ['a proxy in front of the registry', new RestError('Unknown error: Request failed with status code 502', 502, -1), 'unavailable'],
  ['rate limited', new RestError('Rate Limit Exceeded', 429, 42901), 'unavailable'],
  ['request timeout', new RestError('Request Timeout', 408, -1), 'unavailable'],
];

describe('classifyRegistryAnswer', () => {
  it.each(answers)('%s', (_what, error, expected) => {
    expect(classifyRegistryAnswer(error)).toBe(expected);
  });

  it('takes an error without an HTTP answer (connection refused) as unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED', isAxiosError: true });
    expect(classifyRegistryAnswer(refused)).toBe('unavailable');
  });
});

describe('registryError', () => {
  it('makes an unreachable registry a retriable REGISTRY_UNAVAILABLE', () => {
    const error = registryError(new RestError('Service Unavailable', 503, -1), 'registering s-value');
    expect(error).toMatchObject({ code: 'REGISTRY_UNAVAILABLE', retriable: true });
  });

  it.each([
    ['a conflict left unresolved', new RestError('Incompatible artifact', 409, 0)],
    ['an invalid schema', new RestError('Invalid schema', 422, 42201)],
    ['an unknown schema id', new RestError('Schema 7 not found', 404, 40403)],
  ])('makes %s a REGISTRY_REJECTED that names the subject', (_what, cause) => {
    const error = registryError(cause, 'registering s-value');
    expect(error).toMatchObject({ code: 'REGISTRY_REJECTED', retriable: false, cause });
    expect(error.message).toContain('registering s-value');
  });
});

describe('registryError for refused credentials', () => {
  it.each([401, 403])('names the basic-auth options when the registry answers %i', (status) => {
    const error = registryError(new RestError('Unauthorized', status, status), 'registering s-value');
    expect(error).toMatchObject({ code: 'REGISTRY_REJECTED', retriable: false });
    expect(error.message).toMatch(/registering s-value \(check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD\)/);
  });
});
