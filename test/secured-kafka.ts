/**
 * The local stack's secured Kafka listeners, from the environment `make env`
 * prints: SASL_SSL (SCRAM-SHA-512, SCRAM-SHA-256, PLAIN) and SSL with client
 * certificates required, both with server certificates from the stack's local
 * CA. The same cluster as KAFKA_BROKERS: topics made there are seen here.
 */
import { FleetstreamError } from '../lib/errors';

export interface SecuredKafka {
  /** the SASL_SSL listener */
  saslSslBrokers: string;
  /** the SSL listener that requires a client certificate */
  mtlsBrokers: string;
  username: string;
  password: string;
  /** the CA that signed the listeners' certificates, and its key (to issue client certificates) */
  caFile: string;
  caKeyFile: string;
}

const variables = ['KAFKA_SASL_SSL_BROKERS', 'KAFKA_MTLS_BROKERS', 'KAFKA_SASL_SSL_USERNAME', 'KAFKA_SASL_SSL_PASSWORD', 'LOCAL_CA_FILE', 'LOCAL_CA_KEY_FILE'] as const;

export function securedKafka(env: NodeJS.ProcessEnv = process.env): SecuredKafka {
  const missing = variables.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new FleetstreamError(
      'TEST_ENVIRONMENT_MISSING',
      `the stack's secured Kafka listeners are not in the environment (${missing.join(', ')}): run \`make up\` (a stack started before the listeners existed restarts its Kafka once) and export what \`make env\` prints`,
    );
  }
  const value = (name: (typeof variables)[number]) => env[name] as string;
  return {
    saslSslBrokers: value('KAFKA_SASL_SSL_BROKERS'),
    mtlsBrokers: value('KAFKA_MTLS_BROKERS'),
    username: value('KAFKA_SASL_SSL_USERNAME'),
    password: value('KAFKA_SASL_SSL_PASSWORD'),
    caFile: value('LOCAL_CA_FILE'),
    caKeyFile: value('LOCAL_CA_KEY_FILE'),
  };
}

/** The variables a component is given to reach the SASL_SSL listener with `mechanism`. */
export function saslSslEnvironment(kafka: SecuredKafka, mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512' = 'scram-sha-512', password = kafka.password): Record<string, string> {
  return {
    KAFKA_BROKERS: kafka.saslSslBrokers,
    KAFKA_SSL: 'true',
    KAFKA_CA_FILE: kafka.caFile,
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: kafka.username,
    KAFKA_SASL_PASSWORD: password,
  };
}
