import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, testSettings } from '../../test/factories';
import { barChartSvg, writeChart } from './chart';
import { serverVersions } from './machine';
import { findServerPids, startCostMeter } from './process-cost';
import { measureKafkaProducer, measureMosquitto, measurePostgresCopy, measureRedis } from './references';
import { writeResult } from './results';

async function freshDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('benchmark references against the real servers', () => {
  test('Mosquitto alone: everything published arrives, and its rate is measured', async () => {
    const result = await measureMosquitto({ url: testSettings().mqttUrl, messages: 2000, payloadBytes: 200 });
    expect(result).toMatchObject({ count: 2000, received: 2000, lost: 0 });
    expect(result.perSecond).toBeGreaterThan(100);
  });

  test('Kafka alone: ProducerPerformance writes every record and its summary is read', async () => {
    const result = await measureKafkaProducer({ brokers: testSettings().kafkaBrokers, records: 5000, recordSize: 120, partitions: 2 });
    expect(result.records).toBe(5000);
    expect(result.perSecond).toBeGreaterThan(100);
    expect(result.p99Ms).not.toBeNull();
  });

  test.each(['temp', 'table'] as const)('PostgreSQL alone: \\copy into a %s table', async (target) => {
    const result = await measurePostgresCopy({ databaseUrl: testSettings().databaseUrl, rows: 3000, target });
    expect(result).toMatchObject({ count: 3000, target });
    expect(result.perSecond).toBeGreaterThan(1000);
  });

  test('Redis alone: redis-benchmark SET at a pipeline depth', async () => {
    const result = await measureRedis({ redisUrl: testSettings().redisUrl, requests: 20_000, pipeline: 100 });
    expect(result).toMatchObject({ count: 20_000, pipeline: 100 });
    expect(result.perSecond).toBeGreaterThan(1000);
  });

  test('server versions and processes of the local stack are found, and their cost measured', async () => {
    const versions = await serverVersions(testSettings());
    expect(versions.postgres).toMatch(/^\d+/);
    expect(versions.redis).toMatch(/^\d+\.\d+/);
    expect(versions.mosquitto).toMatch(/^\d+\.\d+/);
    expect(versions.node).toBe(process.version);
    const pids = await findServerPids();
    expect(pids.redis.length + pids.mosquitto.length + pids.postgres.length).toBeGreaterThan(0);
    const meter = await startCostMeter({ self: 'self', redis: pids.redis }, { intervalMs: 50 });
    let x = 0;
    for (let i = 0; i < 3e6; i++) x += Math.sqrt(i);
    const cost = await meter.stop();
    expect(x).toBeGreaterThan(0);
    expect(cost.self?.cpuSeconds).toBeGreaterThan(0);
    expect(cost.self?.peakRssBytes).toBeGreaterThan(1e6);
  });

  test('a result file carries machine facts, versions and the report; a chart is written as SVG and PNG', async () => {
    const dir = await freshDirectory();
    const file = await writeResult('sample', { parameters: { rows: 1 }, repetitions: [{ perSecond: 5 }], medians: { perSecond: 5 } }, { directory: dir, settings: testSettings() });
    const written = JSON.parse(await readFile(file, 'utf8'));
    expect(written).toMatchObject({ name: 'sample', parameters: { rows: 1 }, medians: { perSecond: 5 } });
    expect(written.machine.cores).toBeGreaterThan(0);
    expect(written.versions.node).toBe(process.version);
    const chart = await writeChart(join(dir, 'sample'), barChartSvg({ title: 't', valueLabel: 'v', bars: [{ label: 'a', value: 3 }] }));
    const png = await readFile(chart.png);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
