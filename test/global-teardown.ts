import type { TestEnvironment } from './environment';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { fleetstreamTestEnvironment?: TestEnvironment }).fleetstreamTestEnvironment?.stop();
}
