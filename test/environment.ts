import { existsSync } from 'node:fs';
import { connectionVariables } from '../lib/config';
import { FleetstreamError } from '../lib/errors';

export interface TestEnvironment {
  /** The connection variables the tests run with (KAFKA_BROKERS, ...). */
  variables: Record<string, string>;
  source: 'environment' | 'testcontainers';
  stop(): Promise<void>;
}

/**
 * Where the tests' servers are: the connection variables when all are set
 * (`make test` sets them to the local stack); otherwise containers started with
 * testcontainers when a Docker engine is reachable; otherwise an error that
 * says what to run.
 */
export async function resolveTestEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<TestEnvironment> {
  const missing = connectionVariables.filter((name) => !env[name]);
  if (missing.length === 0) {
    const variables = Object.fromEntries(connectionVariables.map((name) => [name, env[name] as string]));
    return { variables, source: 'environment', stop: async () => undefined };
  }
  if (dockerReachable(env)) {
    const { startContainers } = await import('./containers');
    return startContainers();
  }
  throw new FleetstreamError(
    'TEST_ENVIRONMENT_MISSING',
    `the tests need real servers, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set and no Docker engine is reachable: ` +
      'run `make test` (it starts the local stack with `make up` and sets the variables), or start it with `make up` and export the variables `make env` prints',
  );
}

function dockerReachable(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}
