import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { causeChain, FleetstreamError } from './errors';
import { flag } from './option-types';
import { SecurityOptionsReader, type ReadFile } from './security-options-reader';
import { tlsRefusal } from './tls-refusal';

export const kafkaSaslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * How every Kafka client of fleetstream reaches a secured cluster: TLS (a
 * SSL or SASL_SSL listener) and SASL. Components spread these beside
 * `kafkaBrokers`; `kafkaSecurity` turns them into kafkajs's `ssl` and `sasl`.
 */
export const kafkaSecurityOptions = {
  kafkaSsl: flag.default(false).meta({ env: 'KAFKA_SSL', description: "TLS to the brokers (a SSL or SASL_SSL listener), verified against the system's CAs unless KAFKA_CA_FILE names others." }),
  kafkaCaFile: z.string().min(1).optional().meta({ env: 'KAFKA_CA_FILE', description: "PEM file of the CA certificates that signed the brokers' certificates (with KAFKA_SSL=true)." }),
  kafkaCertFile: z.string().min(1).optional().meta({ env: 'KAFKA_CERT_FILE', description: 'PEM client certificate, for a listener that asks for one (ssl.client.auth); with KAFKA_KEY_FILE and KAFKA_SSL=true.' }),
  kafkaKeyFile: z.string().min(1).optional().meta({ env: 'KAFKA_KEY_FILE', description: "PEM private key of KAFKA_CERT_FILE (unencrypted: mount it from a Secret)." }),
  kafkaSaslMechanism: z.enum(kafkaSaslMechanisms).optional().meta({ env: 'KAFKA_SASL_MECHANISM', description: 'SASL mechanism: plain, scram-sha-256 or scram-sha-512 (with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD). Default: no SASL.' }),
  kafkaSaslUsername: z.string().min(1).optional().meta({ env: 'KAFKA_SASL_USERNAME', description: 'SASL username.' }),
  kafkaSaslPassword: z.string().min(1).optional().meta({ env: 'KAFKA_SASL_PASSWORD', description: 'SASL password.', secret: true }),
};

export type KafkaSecurityOptions = { [K in keyof typeof kafkaSecurityOptions]?: z.output<(typeof kafkaSecurityOptions)[K]> };

/** What kafkajs's `new Kafka(...)` takes for TLS and SASL. */
export interface KafkaSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions;
}

/**
 * kafkajs's `ssl` and `sasl` from the options, the files they name read now.
 * Throws CONFIG_INVALID naming every variable that is wrong or missing.
 */
export function kafkaSecurity(options: KafkaSecurityOptions, read?: ReadFile): KafkaSecurity {
  const reader = new SecurityOptionsReader(kafkaSecurityOptions, 'Kafka', read);
  const v = (key: keyof typeof kafkaSecurityOptions) => reader.variable(key);
  const files = (['kafkaCaFile', 'kafkaCertFile', 'kafkaKeyFile'] as const).filter((key) => options[key] !== undefined);
  reader.require(!options.kafkaSsl && files.length > 0, `${files.map(v).join(', ')} ${files.length === 1 ? 'is' : 'are'} set but ${v('kafkaSsl')} is not true: set ${v('kafkaSsl')}=true`);
  reader.require((options.kafkaCertFile === undefined) !== (options.kafkaKeyFile === undefined), `${v('kafkaCertFile')} and ${v('kafkaKeyFile')} go together: set both or neither`);
  const credentials = (['kafkaSaslUsername', 'kafkaSaslPassword'] as const).filter((key) => options[key] !== undefined);
  if (options.kafkaSaslMechanism === undefined) {
    reader.require(credentials.length > 0, `${credentials.map(v).join(', ')} ${credentials.length === 1 ? 'is' : 'are'} set but ${v('kafkaSaslMechanism')} is not: set it to ${kafkaSaslMechanisms.join(', ')}`);
  } else {
    const missing = (['kafkaSaslUsername', 'kafkaSaslPassword'] as const).filter((key) => options[key] === undefined);
    reader.require(missing.length > 0, `${v('kafkaSaslMechanism')}=${options.kafkaSaslMechanism} needs ${missing.map(v).join(' and ')}`);
  }
  const ca = reader.file('kafkaCaFile', options.kafkaCaFile);
  const cert = reader.file('kafkaCertFile', options.kafkaCertFile);
  const key = reader.file('kafkaKeyFile', options.kafkaKeyFile);
  reader.done();

  const security: KafkaSecurity = {};
  if (options.kafkaSsl) security.ssl = ca || cert ? { ...(ca && { ca }), ...(cert && { cert, key }) } : true;
  if (options.kafkaSaslMechanism) security.sasl = { mechanism: options.kafkaSaslMechanism, username: options.kafkaSaslUsername!, password: options.kafkaSaslPassword! };
  return security;
}

/**
 * The refusals of a Kafka connection that no retry can fix, as non-retriable
 * errors naming the options to change: SASL credentials the brokers refused,
 * a broker certificate not trusted, a client certificate refused. Anything
 * else (a broker down, a timeout) is undefined: retry it.
 */
export function refusedByKafka(error: unknown): FleetstreamError | undefined {
  const sasl = causeChain(error).find((cause) => cause.name === 'KafkaJSSASLAuthenticationError');
  if (sasl) {
    return new FleetstreamError('KAFKA_AUTH_FAILED', `Kafka refused the SASL credentials (${sasl.message}): check KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`, { cause: error });
  }
  const refusal = tlsRefusal(error);
  if (refusal?.kind === 'untrusted-server') {
    return new FleetstreamError('KAFKA_TLS_FAILED', `the Kafka broker's certificate is not trusted (${refusal.code}: ${refusal.message}): set KAFKA_CA_FILE to the CA that signed it, and name the brokers in KAFKA_BROKERS as their certificates do`, { cause: error });
  }
  if (refusal?.kind === 'refused-client') {
    return new FleetstreamError('KAFKA_TLS_FAILED', `the Kafka broker refused the client certificate (${refusal.code}): check KAFKA_CERT_FILE and KAFKA_KEY_FILE, and that the broker trusts their CA`, { cause: error });
  }
  return undefined;
}
