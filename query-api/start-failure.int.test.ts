import { createServer, type Server } from 'node:net';
import { spawnComponent, spawnStart, type ComponentProcess } from '../test/cli-process';
import { eventually, onCleanup, testSettings } from '../test/factories';

const token = 'acme-token-0123456789abcdef';

/** A port something else listens on, so the API's HTTP server cannot: its start fails after Redis connected. */
async function takenPort(): Promise<number> {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
  onCleanup(() => new Promise((resolve) => holder.close(() => resolve())));
  return (holder.address() as { port: number }).port;
}

function exitCode(process: ComponentProcess): Promise<number> {
  return eventually(() => process.child.exitCode ?? undefined, `the process to exit (output so far: ${process.output()})`, 20_000);
}

describe('query-api start failing part-way', () => {
  it('closes the Redis connections and the pool it opened, so nothing keeps its process alive', async () => {
    const { databaseUrl, redisUrl } = testSettings();
    const starter = spawnStart('query-api', { databaseUrl, redisUrl, port: await takenPort(), tokens: `${token}:acme` });
    expect(await exitCode(starter)).toBe(0);
    expect(starter.output()).toContain('start_rejected EADDRINUSE');
  });

  it('ends `fleetstream query-api` with exit code 1 and a logged error', async () => {
    const api = spawnComponent('query-api', { QUERY_API_PORT: String(await takenPort()), QUERY_API_TOKENS: `${token}:acme` });
    expect(await exitCode(api)).toBe(1);
    const failure = api.output().split('\n').filter((line) => line.includes('"component_start_failed"'));
    expect(failure).toHaveLength(1);
    expect(JSON.parse(failure[0]!)).toMatchObject({ level: 60, component: 'query-api', err: { code: 'EADDRINUSE' } });
  });
});
