import { resolveTestEnvironment } from './environment';

/** Runs once before all test files: finds the servers and hands their settings to the workers. */
export default async function globalSetup(): Promise<void> {
  const environment = await resolveTestEnvironment();
  Object.assign(process.env, environment.variables);
  (globalThis as { fleetstreamTestEnvironment?: typeof environment }).fleetstreamTestEnvironment = environment;
}
