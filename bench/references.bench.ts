/**
 * The references of BENCHMARKING.md, each server alone on this machine:
 * Mosquitto (mqtt.js publisher to one subscriber, QoS 1), Kafka
 * (ProducerPerformance, acks=all), PostgreSQL (psql \copy into a temporary
 * and into an ordinary table), Redis (redis-benchmark SET at the redis-sink's
 * pipeline depth). Record sizes are those of the pipeline: the simulator's
 * 3-reading batch payload and an Avro Measurement record.
 * Writes bench/results/references.json and references.png/.svg.
 */
import { join } from 'node:path';
import avro from 'avsc';
import { readConnectionSettings } from '../lib/config';
import { avroSchemas } from '../schemas/avro-schemas';
import type { Measurement } from '../schemas/types';
import { barChartSvg, formatNumber, writeChart } from './lib/chart';
import { findServerPids, startCostMeter, type ServerName } from './lib/process-cost';
import { benchProgress } from './lib/progress';
import { measureKafkaProducer, measureMosquitto, measurePostgresCopy, measureRedis, type ReferenceMeasurement } from './lib/references';
import { repeatInterleaved } from './lib/repeat';
import { resultsDirectory } from './lib/paths';
import { writeResult } from './lib/results';
import { summarize } from './lib/stats';
import { resolveSimulationOptions } from '../simulator/options';
import { createFleetPlan } from '../simulator/plan';

/** Bytes of the simulator's regular message (3 readings). */
function mqttPayloadBytes(): number {
  const plan = createFleetPlan(resolveSimulationOptions({ devices: 1000, messages: 1 }));
  return plan.next(Date.now())[0]?.payload.length ?? 150;
}

/** Bytes of one Measurement on Kafka: Avro body plus the 5-byte Confluent header. */
function measurementRecordBytes(): number {
  const type = avro.Type.forSchema(JSON.parse(avroSchemas.Measurement) as avro.Schema);
  const sample: Measurement = {
    path: '/tenant-01/site-01/dev-00001/energy_kwh', tenant: 'tenant-01', site: 'site-01', device: 'dev-00001', metric: 'energy_kwh', kind: 'energy',
    timestamp: Date.now(), value: 1234.567, unit: 'kWh', tags: {}, receivedAt: Date.now(), sourceTopic: 'fleet/tenant-01/site-01/dev-00001/up',
  };
  return type.toBuffer(sample).length + 5;
}

const servers: Record<string, ServerName> = { mosquitto: 'mosquitto', kafka: 'kafka', 'postgres-copy-temp': 'postgres', 'postgres-copy-table': 'postgres', redis: 'redis' };
const units: Record<string, string> = { mosquitto: 'msgs/s', kafka: 'records/s', 'postgres-copy-temp': 'rows/s', 'postgres-copy-table': 'rows/s', redis: 'SET/s' };

export async function run(): Promise<object> {
  const progress = benchProgress('references');
  const settings = readConnectionSettings();
  const parameters = {
    warmups: 1,
    repetitions: 3,
    mosquitto: { messages: 20_000, payloadBytes: mqttPayloadBytes(), qos: 1, maxInflight: 100 },
    kafka: { records: 200_000, recordSize: measurementRecordBytes(), partitions: 6, producerProps: { acks: 'all' } },
    postgres: { rows: 100_000, columns: 'path, time, value, received_at; primary key (path, time)' },
    redis: { requests: 1_000_000, pipeline: 1000, dataSize: 64 },
  };
  const pids = await findServerPids();
  // each run is measured with the CPU its server used meanwhile (PostgreSQL's backend is psql's own, started by the run: not seen)
  const withCost = (name: string, measure: () => Promise<ReferenceMeasurement>) => async (): Promise<Record<string, unknown>> => {
    const server = servers[name] as ServerName;
    const meter = await startCostMeter({ [server]: pids[server] });
    const result = await measure();
    const cost = (await meter.stop())[server];
    return { ...result, serverCpuSeconds: cost?.cpuSeconds ?? null, serverPeakRssBytes: cost?.peakRssBytes ?? null };
  };
  const variants = {
    mosquitto: withCost('mosquitto', () => measureMosquitto({ url: settings.mqttUrl, ...parameters.mosquitto })),
    kafka: withCost('kafka', () => measureKafkaProducer({ brokers: settings.kafkaBrokers, ...parameters.kafka })),
    'postgres-copy-temp': withCost('postgres-copy-temp', () => measurePostgresCopy({ databaseUrl: settings.databaseUrl, rows: parameters.postgres.rows, target: 'temp' })),
    'postgres-copy-table': withCost('postgres-copy-table', () => measurePostgresCopy({ databaseUrl: settings.databaseUrl, rows: parameters.postgres.rows, target: 'table' })),
    redis: withCost('redis', () => measureRedis({ redisUrl: settings.redisUrl, ...parameters.redis })),
  };
  const repetitions = await repeatInterleaved(variants, {
    warmups: parameters.warmups,
    repetitions: parameters.repetitions,
    onRun: (variant, r) => progress(`${variant}: ${r.warmup ? 'warm-up' : `run ${r.index + 1} of ${parameters.repetitions}`}`),
  });
  const medians = Object.fromEntries(
    Object.entries(repetitions).map(([name, runs]) => [name, { perSecond: summarize(runs.map((r) => r.perSecond as number)), unit: units[name] }]),
  );
  const chart = await writeChart(
    join(resultsDirectory(), 'references'),
    barChartSvg({
      title: 'Each server alone on this machine (median of 3)',
      valueLabel: 'per second, log scale',
      log: true,
      bars: Object.entries(medians).map(([name, m]) => ({ label: name, value: m.perSecond.median, note: `${m.unit} (${formatNumber(m.perSecond.min)}-${formatNumber(m.perSecond.max)})` })),
    }),
  );
  const file = await writeResult('references', { parameters, repetitions, medians, chart });
  progress(`wrote ${file} and ${chart.png}`);
  return Object.fromEntries(Object.entries(medians).map(([name, m]) => [name, `${Math.round(m.perSecond.median)} ${m.unit}`]));
}
