/**
 * The one registry of fleetstream error codes. Every error carries a stable
 * `code`, whether retrying can help (`retriable`), and its `cause`; retry logic
 * reads those fields, never the message.
 */
export const errorCodes = {
  CONFIG_INVALID: { retriable: false, summary: 'options or environment variables failed validation' },
  KAFKA_UNAVAILABLE: { retriable: true, summary: 'the Kafka cluster could not be reached' },
  REGISTRY_UNAVAILABLE: { retriable: true, summary: 'the schema registry could not be reached' },
  REGISTRY_REJECTED: { retriable: false, summary: 'the schema registry refused a schema or request' },
  DATABASE_UNAVAILABLE: { retriable: true, summary: 'PostgreSQL could not be reached or the write failed transiently' },
  REDIS_UNAVAILABLE: { retriable: true, summary: 'Redis could not be reached' },
  MQTT_UNAVAILABLE: { retriable: true, summary: 'the MQTT broker could not be reached' },
  RECORD_UNDECODABLE: { retriable: false, summary: 'a Kafka record is not in the Confluent Avro wire format or its schema is unknown' },
  TEST_ENVIRONMENT_MISSING: { retriable: false, summary: 'tests found no servers to run against' },
  SHUTDOWN_TIMEOUT: { retriable: false, summary: 'a component did not stop within its bound' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class FleetstreamError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'FleetstreamError';
    this.code = code;
    this.retriable = options.retriable ?? errorCodes[code].retriable;
  }
}

export function isRetriable(error: unknown): boolean {
  return error instanceof FleetstreamError ? error.retriable : false;
}
