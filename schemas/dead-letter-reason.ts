/**
 * Every reason a record can be dead-lettered for, in one place, so the
 * dead-letter topic is searchable by a stable code.
 */
export const deadLetterReasons = {
  invalid_utf8: 'the payload is not valid UTF-8',
  malformed_json: 'the payload is not JSON',
  invalid_payload: 'the JSON does not have the shape of a reading, a batch or SenML (missing or mistyped fields)',
  non_finite_value: 'a value is NaN or Infinity',
  payload_too_large: 'the payload is larger than the component accepts (maxPayloadBytes; at the mqtt-source, maxDeviceMessageBytes for a device message; at the shadow processor, maxRequestBytes for a shadow request)',
  invalid_shadow_request: "a device's shadow request does not have the shape of one, or would take its shadow past the limits (SHADOW_MAX_*); the device was answered on shadow/<op>/rejected",
  topic_outside_scheme: 'the MQTT topic does not match the configured topic scheme',
  unknown_subtopic: "the MQTT topic is under a device's topic root but names no subtopic devices publish on (schemas/device-topics.ts): an unknown command status, a command id that is no UUID",
  invalid_downlink: 'a DownlinkMessage names a device segment that is no valid path segment, a subtopic that is none of the platform\'s (platformSubtopicFilters), or a QoS other than 0 and 1',
  downlink_refused: 'the MQTT broker refused to publish a DownlinkMessage (a PUBACK reason code of 0x80 or more: check the mqtt-downlink account\'s rules)',
  rate_limited: "the device sent more messages per second than the connector's deviceRate and deviceBurst allow",
  tenant_rate_limited: "the device's tenant sent more messages per second, all its devices together, than the connector's tenantRate and tenantBurst allow",
  series_limit: 'the message would give its device more distinct series than maxSeriesPerDevice',
  invalid_path: 'a path segment is empty or holds a character paths cannot hold',
  timestamp_in_future: 'the timestamp is further ahead of the receive time than maxFutureMinutes allows',
  timestamp_too_old: 'the timestamp is before the configured floor (minTimestamp)',
  late: 'the reading arrived after its rollup window closed (it is still stored raw)',
  too_old: 'the reading is older than the rollups\' correction horizon: it is stored raw but in no rollup',
  misrouted: "a record keyed by device is in another partition than its key hashes to (a producer with another partitioner, or topics with different partition counts): taking it would give the device a second writer",
  undecodable: 'a Kafka record could not be decoded with its schema',
  invalid_command: 'a command request breaks the commands contract (schemas/commands.ts commandRequestProblem: its id, name, timeout, ttl or params)',
  invalid_presence: "a device's status message is neither `online` nor `offline`",
  invalid_config_ack: "a device's configuration acknowledgement is not `{version, sha256, status, detail}` (schemas/configuration.ts)",
  invalid_config_assignment: 'a configuration assignment names a document the registry does not hold, or with another hash',
  webhook_undeliverable: "a webhook message failed at every attempt of the webhooks republisher's retry schedule (WEBHOOKS_RETRY_SCHEDULE); the payload is the request body, the headers name the subscription, the message id and the last failure",
  handler_unknown: 'a handler request names a handler kind the handler workers do not have (schemas/handlers.ts handlerKinds)',
  handler_target_invalid: "a handler request's target is not JSON or fails its kind's schema (schemas/handlers.ts), or an mqtt_publish topic is outside the tenant's space",
  unwritable: 'a sink\'s store refuses the record for its data (PostgreSQL: a NUL byte in a text field, a value out of range; Redis: a key of the wrong type); the rest of its batch is written',
} as const;

export type DeadLetterReason = keyof typeof deadLetterReasons;
