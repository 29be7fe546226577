import type { Measurement } from '../../schemas/types';
import { spawnComponent } from '../../test/cli-process';
import { componentEnvironment } from '../../test/component-environment';
import { eventually, freePort } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { ingest, ingestFixture, provisionDevice } from './http-source.fixture';

describe('fleetstream http-source', () => {
  it('serves the ingest and the ops endpoints as a process, and stops cleanly on SIGTERM', async () => {
    const [port, opsPort] = [await freePort(), await freePort()];
    const fixture = await ingestFixture({ port });
    const { authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'proc' });
    const reader = await TopicReader.start<Measurement>(fixture.options.measurementsTopic!);
    const process_ = spawnComponent('http-source', { ...componentEnvironment('http-source', fixture.options), OPS_PORT: String(opsPort) });
    const ops = `http://127.0.0.1:${opsPort}`;
    await eventually(async () => ((await fetch(`${ops}/readyz`)).ok ? true : undefined), 'the http-source ready', 30_000, 250);

    expect(await ingest(`http://127.0.0.1:${port}/v1/ingest`, { metric: 'battery', value: 3.7 }, authorization)).toMatchObject({ status: 202 });
    expect((await reader.waitFor(1))[0]?.key).toBe('/acme/p1/proc/battery');
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(/^http_source_requests_total\{outcome="accepted",component="http-source"\} 1$/m);
    const openapi = (await (await fetch(`http://127.0.0.1:${port}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(['/v1/ingest', '/v1/ingest/messages']);
    expect(await process_.kill('SIGTERM')).toBe(0);
  }, 60_000);
});
