import { types } from 'node:util';

/**
 * The one registry of fleetstream error codes. Every error carries a stable
 * `code`, whether retrying can help (`retriable`), and its `cause`; retry logic
 * reads those fields, never the message.
 */
export const errorCodes = {
  CONFIG_INVALID: { retriable: false, summary: 'options or environment variables failed validation' },
  REGISTRY_UNAVAILABLE: { retriable: true, summary: 'the schema registry could not be reached' },
  REGISTRY_REJECTED: { retriable: false, summary: 'the schema registry refused a schema or request' },
  DATABASE_UNAVAILABLE: { retriable: true, summary: 'PostgreSQL could not be reached or the write failed transiently' },
  DATABASE_REJECTED: { retriable: false, summary: 'PostgreSQL refused a statement for a reason retrying cannot fix (missing table, permissions, ...): see its SQLSTATE' },
  RECORD_UNWRITABLE: { retriable: false, summary: 'the store refuses a record for its data (a NUL byte in text, ...); the sinks dead-letter it as `unwritable`' },
  REDIS_UNAVAILABLE: { retriable: true, summary: 'Redis could not be reached' },
  KAFKA_AUTH_FAILED: { retriable: false, summary: 'Kafka refused the SASL credentials (KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD)' },
  KAFKA_TLS_FAILED: { retriable: false, summary: "the TLS handshake with Kafka failed for good: the broker's certificate is not trusted (KAFKA_CA_FILE), or the broker refused the client's (KAFKA_CERT_FILE, KAFKA_KEY_FILE)" },
  MQTT_UNAVAILABLE: { retriable: true, summary: 'the MQTT broker could not be reached' },
  MQTT_NOT_AUTHORIZED: { retriable: false, summary: "the MQTT broker refuses the account's credentials (unknown, wrong, revoked, or not learned from the registry yet)" },
  DOWNLINK_ABANDONED: { retriable: true, summary: 'the mqtt-downlink gave up a Kafka batch part-way (its partition is moving to another member, or the component stops): nothing of it is committed, and it is published again from the committed offset' },
  BROKER_PLUGIN_UNBUILT: { retriable: false, summary: "the project's Mosquitto plugin (broker/plugin) did not compile: a compiler or header missing (gcc, mosquitto-dev, libmosquitto-dev, libssl-dev)" },
  DEPENDENCY_INCOMPATIBLE: { retriable: false, summary: 'an installed library lacks what fleetstream relies on: a version other than the one package.json pins' },
  STATE_RESTORE_TIMEOUT: { retriable: false, summary: 'a processor (a rollup stage, the shadow or the commands processor) did not read its state back from its topic within its restore timeout' },
  RECORD_UNDECODABLE: { retriable: false, summary: 'a Kafka record is not in the Confluent Avro wire format or its schema is unknown' },
  TEST_ENVIRONMENT_MISSING: { retriable: false, summary: 'tests found no servers to run against' },
  // query API: each of these is answered as a 4xx with this code in the JSON body
  QUERY_SYNTAX: { retriable: false, summary: 'a query is malformed; the error carries the position and what was expected' },
  QUERY_INVALID: { retriable: false, summary: 'a request is well-formed but its parameters cannot be answered (empty range, unknown resolution, ...)' },
  AGGREGATE_NOT_APPLICABLE: { retriable: false, summary: 'the aggregate makes no sense for the series kind (sum of a temperature, ...)' },
  RANGE_NOT_ALIGNED: { retriable: false, summary: 'a range is not aligned to the rollup resolution asked for' },
  TOO_MANY_POINTS: { retriable: false, summary: 'the answer would exceed the points limit' },
  QUERY_TIMEOUT: { retriable: false, summary: 'a query exceeded the statement time limit' },
  UNAUTHENTICATED: { retriable: false, summary: 'no credentials, or unknown ones: an API token, or at the HTTP ingest a device password or client certificate' },
  PATH_OUTSIDE_TENANT: { retriable: false, summary: 'a path or pattern lies outside the tenant of the API token' },
  TENANT_FORBIDDEN: { retriable: false, summary: "the admin API token belongs to another tenant than the resource's (or the resource is the platform's)" },
  ROLE_FORBIDDEN: { retriable: false, summary: 'the admin API token has read rights and the request writes, or it lists API tokens' },
  SERIES_NOT_FOUND: { retriable: false, summary: 'no series, or no value yet, for the path' },
  QUERY_TOO_DEEP: { retriable: false, summary: 'a GraphQL query nests fields deeper than QUERY_API_GRAPHQL_MAX_DEPTH; refused before it runs' },
  QUERY_TOO_COSTLY: { retriable: false, summary: 'a GraphQL query may ask for more objects than QUERY_API_GRAPHQL_MAX_COST; refused before it runs' },
  ROUTE_NOT_FOUND: { retriable: false, summary: 'no such HTTP route' },
  // device shadows through the query API (query-api/routes/shadow.ts)
  SHADOW_INVALID: { retriable: false, summary: "a shadow change is not {\"state\": {\"desired\": {...}}}, its If-Match is not one ETag, or the shadow processor refused it as malformed (too deep, a bad key); the message says which" },
  SHADOW_NOT_FOUND: { retriable: false, summary: 'the device has no shadow: never written, or deleted' },
  SHADOW_VERSION_CONFLICT: { retriable: false, summary: "If-Match names another version than the shadow's current one (in the answer's ETag): read it again and retry" },
  SHADOW_TOO_LARGE: { retriable: false, summary: "the change would take the shadow past its limits (SHADOW_MAX_STATE_BYTES, SHADOW_MAX_KEYS), or the request past SHADOW_MAX_REQUEST_BYTES" },
  SHADOW_TIMEOUT: { retriable: true, summary: 'the shadow processor did not answer within QUERY_API_SHADOW_TIMEOUT; the change may still be applied: GET the shadow to see' },
  SHADOWS_UNAVAILABLE: { retriable: true, summary: "the query API cannot reach Kafka for shadows, or its view of them has not caught up yet; retry shortly" },
  // the HTTP ingest (connectors/http-source): each answered with its HTTP status and this code in the JSON body
  DEVICE_FORBIDDEN: { retriable: false, summary: "the device's credentials are right but the registry has it disabled or revoked" },
  PAYLOAD_INVALID: { retriable: false, summary: 'a device sent a payload that is no reading (the dead-letter reason says why); it was dead-lettered' },
  PAYLOAD_TOO_LARGE: { retriable: false, summary: 'an HTTP body is larger than HTTP_SOURCE_MAX_BODY_BYTES' },
  DEVICE_RATE_LIMITED: { retriable: true, summary: 'a device sends more messages per second than HTTP_SOURCE_DEVICE_RATE (and _BURST) allow; retry after Retry-After' },
  TENANT_RATE_LIMITED: { retriable: true, summary: "a tenant's devices send more messages per second, together, than HTTP_SOURCE_TENANT_RATE (and _BURST) allow; retry after Retry-After" },
  LOGIN_THROTTLED: { retriable: true, summary: 'too many failed logins from one client address, for one device or in all (HTTP_SOURCE_FAILED_LOGIN_*): refused without checking the password; retry after Retry-After' },
  INGEST_OVERLOADED: { retriable: true, summary: 'the HTTP ingest has HTTP_SOURCE_MAX_IN_FLIGHT requests under way or HTTP_SOURCE_MAX_UNACKNOWLEDGED records waiting for Kafka; retry after Retry-After' },
  KAFKA_UNAVAILABLE: { retriable: true, summary: 'Kafka did not acknowledge records in time (HTTP_SOURCE_ACK_TIMEOUT); they may still arrive, and a retry is safe: duplicate readings count once' },
  // commands (query-api/commands/): each answered with its HTTP status and this code in the JSON body
  COMMAND_NOT_FOUND: { retriable: false, summary: 'no command of that id (or it finished longer ago than QUERY_API_COMMAND_HISTORY)' },
  COMMAND_DEVICE_OFFLINE: { retriable: true, summary: 'the device is offline (its retained status says so, or it never said online) and the command is not persistent' },
  COMMAND_TIMED_OUT: { retriable: true, summary: 'the device did not answer within timeoutMs of the command being sent, or the API waited its longest (QUERY_API_COMMAND_MAX_WAIT)' },
  COMMAND_EXPIRED: { retriable: true, summary: 'a persistent command was not sent within its ttlSeconds (the device stayed offline)' },
  COMMAND_CANCELED: { retriable: false, summary: 'the command was canceled while queued' },
  COMMAND_NOT_CANCELABLE: { retriable: false, summary: 'only a QUEUED command can be canceled; this one was sent already or has finished' },
  COMMAND_RATE_LIMITED: { retriable: true, summary: 'a device or a caller sends more commands per second than QUERY_API_COMMAND_DEVICE_RATE or _CALLER_RATE allow; retry after Retry-After' },
  COMMAND_IN_FLIGHT_LIMIT: { retriable: true, summary: 'a device or a caller has QUERY_API_COMMAND_MAX_IN_FLIGHT_PER_DEVICE or _PER_CALLER commands unfinished; retry after Retry-After' },
  COMMAND_QUEUE_FULL: { retriable: true, summary: "the commands processor holds its maxQueuedPerDevice commands for the device already" },
  COMMANDS_UNAVAILABLE: { retriable: true, summary: 'the API cannot take commands now: Kafka is unreachable, or the replica is still reading the command statuses back' },
  // the device registry (registry/): the CLI exits 1 with these, the admin API answers them as 4xx
  NAME_INVALID: { retriable: false, summary: 'a tenant, site, device or metric name is not a single path segment and MQTT topic level (letters, digits, _ . : - ~ @)' },
  REGISTRY_INPUT_INVALID: { retriable: false, summary: "a device's tags, location or parent, a token's role or a series setting is not valid; the message says which" },
  DEVICE_NOT_FOUND: { retriable: false, summary: 'no such device in the registry' },
  DEVICE_EXISTS: { retriable: false, summary: 'the registry already has a device of that name' },
  DEVICE_REVOKED: { retriable: false, summary: 'the device is revoked for good: its credentials cannot be rotated (remove it and add it again)' },
  TOKEN_NOT_FOUND: { retriable: false, summary: 'no such API token in the registry' },
  TENANT_NOT_FOUND: { retriable: false, summary: 'no such tenant in the registry' },
  SERIES_SETTING_NOT_FOUND: { retriable: false, summary: 'no kind or unit is set for the series path in the registry' },
  REPUBLISH_READER_NOT_FOUND: { retriable: false, summary: 'no MQTT republish reader of that username in the registry' },
  // control configuration (query-api/configuration), answered as 4xx
  CONFIG_DOCUMENT_INVALID: { retriable: false, summary: "a configuration document or device-type schema is refused: the document does not satisfy its device type's JSON schema, or the schema is no JSON Schema; `problems` holds ajv's errors" },
  DEVICE_TYPE_NOT_FOUND: { retriable: false, summary: 'the tenant has no JSON schema for that device type' },
  CONFIG_VERSION_NOT_FOUND: { retriable: false, summary: 'the tenant has no configuration document of that version' },
  CONFIG_TARGET_INVALID: { retriable: false, summary: "a configuration cannot go to that device: it has no `type` tag, or another type than the document's" },
  // webhook subscriptions (query-api/webhooks/), answered as 4xx
  WEBHOOK_SUBSCRIPTION_INVALID: { retriable: false, summary: 'a webhook subscription is refused: its URL, event types, path filter, payload kind, maxBatch or grace period is not valid (schemas/webhooks.ts); the message says which' },
  WEBHOOK_SUBSCRIPTION_NOT_FOUND: { retriable: false, summary: 'no webhook subscription of that id' },
  // alert rules (schemas/alert-rule.ts), through the admin API, answered as 4xx
  ALERT_RULE_INVALID: { retriable: false, summary: 'an alert rule is refused: a threshold, a duration, a path pattern outside the tenant, a severity named twice, ...; the message names every problem' },
  ALERT_RULE_NOT_FOUND: { retriable: false, summary: 'the tenant has no alert rule of that id' },
  AUTOMATION_INVALID: { retriable: false, summary: 'an automation is refused: its trigger (a cron expression, a time zone, a path pattern outside the tenant), a condition, its dampening or a handler target is not valid (schemas/automation.ts); the message names every problem' },
  AUTOMATION_NOT_FOUND: { retriable: false, summary: 'the tenant has no automation of that id' },
  EXECUTION_NOT_FOUND: { retriable: false, summary: 'the handler workers have no execution of that id (never requested, or finished longer ago than HANDLERS_RETENTION)' },
  POLICY_NOT_FOUND: { retriable: false, summary: 'the tenant has no notification policy (`fleetstream notifications apply` stores them)' },
  SILENCE_INVALID: { retriable: false, summary: 'a silence is refused: no matcher, a matcher that does not parse (name=value, name!=value, name=~regex, name!~regex), an end not after its start and now, or no createdBy' },
  SILENCE_NOT_FOUND: { retriable: false, summary: 'the tenant has no silence of that id in force (expired silences cannot be expired again)' },
  ALERT_NOT_FOUND: { retriable: false, summary: "the tenant's alert history has no alarm of that id" },
  // the hierarchy job (republishers/device-hierarchy/)
  HIERARCHY_PUBLISH_CONFLICT: { retriable: true, summary: 'another `fleetstream hierarchy publish` holds the lock on the same key prefix, or this one outlived its lock timeout; nothing was switched' },
  // the archive job (republishers/archive/)
  ARCHIVE_DESTINATION_UNAVAILABLE: { retriable: true, summary: 'the archive could not write to or read from its destination (`--to`: a directory that is missing or not writable, a bucket that does not exist, refused credentials, an unreachable endpoint)' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class FleetstreamError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  /** What an API answer shows besides the message: a validator's errors, one per problem. */
  readonly problems?: unknown[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean; problems?: unknown[] } = {}) {
    super(message, { cause: options.cause });
    this.name = 'FleetstreamError';
    this.code = code;
    this.retriable = options.retriable ?? errorCodes[code].retriable;
    if (options.problems !== undefined) this.problems = options.problems;
  }
}

/**
 * Whether retrying `error` can help. A FleetstreamError says so itself; any
 * other error is retried, since only our own codes are classified: kafkajs
 * marks an exhausted retry (KafkaJSNumberOfRetriesExceeded) non-retriable even
 * when the cause is a broker that is merely down for a while.
 */
export function isRetriable(error: unknown): boolean {
  return !(error instanceof FleetstreamError) || error.retriable;
}

/**
 * An error and its causes, outermost first (clients wrap what they retried:
 * kafkajs's KafkaJSNumberOfRetriesExceeded has the last failure as `cause`).
 * isNativeError, not instanceof: Node's own errors (a TLS handshake's) come
 * from another realm than the code's under Jest.
 */
export function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let cause = error; types.isNativeError(cause) && chain.length < 8 && !chain.includes(cause); cause = cause.cause) chain.push(cause);
  return chain;
}
