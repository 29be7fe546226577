/**
 * The MQTT source connector alone: simulated devices publish 3-reading
 * messages over MQTT 5 QoS 1, the connector (its own process) turns them into
 * Avro records on Kafka. Peak: offer more than it takes (BENCH_SOURCE_PEAK_OFFERED,
 * default 80,000 readings/s) and count what Kafka acknowledged. Soak: a steady load below the peak for BENCH_SOURCE_SOAK_SECONDS
 * (default 300), sampling the connector's memory. References in the same run:
 * Kafka's ProducerPerformance with the same record size, and Mosquitto
 * publish-to-subscriber with the same payload.
 */
import { join } from 'node:path';
import { readConnectionSettings } from '../lib/config';
import { createKafka } from '../lib/kafka';
import { rootLogger } from '../lib/logger';
import { metricSum, startComponent, stopPipeline, waitReady } from '../infra/local/pipeline';
import { lineChartSvg, writeChart } from './lib/chart';
import { resultsDirectory } from './lib/paths';
import { cpuSecondsPerMillion, findServerPids, startCostMeter } from './lib/process-cost';
import { machineFacts } from './lib/machine';
import { benchProgress } from './lib/progress';
import { measureKafkaProducer, measureMosquitto } from './lib/references';
import { writeResult } from './lib/results';
import { median, summarize } from './lib/stats';
import { runSimulation } from '../simulator';
import { createTopicsAndWait } from '../lib/create-topics';

const peakSeconds = Number(process.env.BENCH_SOURCE_PEAK_SECONDS ?? 20);
const soakSeconds = Number(process.env.BENCH_SOURCE_SOAK_SECONDS ?? 300);
/** Offered readings/s at the peak: more than the connector takes, not so much that the simulator starves it of CPU. */
const peakOffered = Number(process.env.BENCH_SOURCE_PEAK_OFFERED ?? 80_000);
const repetitions = 3;
const opsPort = 9101;

export async function run(): Promise<object> {
  const log = benchProgress('mqtt-source');
  const settings = readConnectionSettings();
  const quiet = rootLogger.child({ component: 'simulator' }, { level: 'warn' });
  // a topic of its own: what the benchmark pushes through must not wait in the pipeline's topic for the sinks
  const measurementsTopic = `bench.measurements.${Date.now().toString(36)}`;
  const admin = createKafka({ brokers: settings.kafkaBrokers, clientId: 'bench-mqtt-source', logger: rootLogger }).admin();
  await admin.connect();
  await createTopicsAndWait(admin, [{ topic: measurementsTopic, numPartitions: 6 }]);
  const source = await startComponent({ name: 'mqtt-source', args: ['mqtt-source'], opsPort, env: { MQTT_SOURCE_MEASUREMENTS_TOPIC: measurementsTopic } });
  try {
    await waitReady(source);
    const produced = () => metricSum(opsPort, 'mqtt_source_readings_produced_total');

    const servers = await findServerPids();
    /** CPU microseconds per reading into Kafka of each process, per peak */
    const cpuPerReading: Record<string, number>[] = [];
    // peak: offered more than the connector takes (Mosquitto drops the excess it cannot queue), counted at Kafka.
    // Offered far more, the overloaded simulator leaves the connector less CPU.
    const peak = async (tag: string): Promise<number> => {
      const before = await produced();
      const meter = await startCostMeter({ connector: [source.pid], simulator: 'self', mosquitto: servers.mosquitto, kafka: servers.kafka });
      const started = performance.now();
      const stats = await runSimulation(
        { mqttUrl: settings.mqttUrl, devices: 1000, tenants: 1, tenantPrefix: `srcbench${tag}`, rate: peakOffered, duration: `${peakSeconds}s`, connections: 16 },
        { logger: quiet },
      );
      // what the broker still holds for the connector drains after the publisher stopped
      let last = -1;
      while ((await produced()) !== last) {
        last = await produced();
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const readings = last - before;
      const cost = await meter.stop();
      const micros = Object.fromEntries(Object.entries(cost).map(([name, c]) => [name, cpuSecondsPerMillion(c.cpuSeconds, readings)]));
      if (tag !== 'warmup') cpuPerReading.push(micros);
      log(`  ${tag}: ${readings} of ${stats.readings} readings into Kafka, ${Math.round(readings / ((performance.now() - started) / 1000))}/s; CPU µs per reading: ${Object.entries(micros).map(([n, v]) => `${n} ${v.toFixed(1)}`).join(', ')}`);
      return readings / ((performance.now() - started) / 1000);
    };
    const kafkaReference = async () => (await measureKafkaProducer({ brokers: settings.kafkaBrokers, records: 300_000, recordSize: 149 })).perSecond;
    const mosquittoReference = async () => (await measureMosquitto({ url: settings.mqttUrl, messages: 100_000, payloadBytes: 234 })).perSecond * 3;

    log('warm-up');
    await peak('warmup');
    const rounds: { connector: number; kafka: number; mosquitto: number }[] = [];
    for (let i = 0; i < repetitions; i++) {
      log(`repetition ${i + 1} of ${repetitions} (connector, Kafka alone, Mosquitto alone)`);
      rounds.push({ connector: await peak(`r${i}`), kafka: await kafkaReference(), mosquitto: await mosquittoReference() });
    }
    const connector = median(rounds.map((r) => r.connector));
    const kafka = median(rounds.map((r) => r.kafka));
    const mosquitto = median(rounds.map((r) => r.mosquitto));
    const slower = Math.min(kafka, mosquitto);
    // Everything shares the machine's cores: what the simulator, Mosquitto and Kafka spend per reading
    // bounds the rate even if the connector cost nothing.
    const perReading = Object.fromEntries(['connector', 'simulator', 'mosquitto', 'kafka'].map((name) => [name, median(cpuPerReading.map((m) => m[name] ?? 0))]));
    const othersMicros = (perReading.simulator ?? 0) + (perReading.mosquitto ?? 0) + (perReading.kafka ?? 0);
    const cores = machineFacts().cores;
    const freeConnectorCeiling = (cores * 1e6) / othersMicros;

    log(`soak: ${Math.round(connector * 0.7)} readings/s for ${soakSeconds} s, sampling the connector's memory`);
    const meter = await startCostMeter({ connector: [source.pid] }, { intervalMs: 5000 });
    await runSimulation(
      { mqttUrl: settings.mqttUrl, devices: 1000, tenants: 1, tenantPrefix: 'srcsoak', rate: Math.round(connector * 0.7), duration: `${soakSeconds}s`, connections: 16 },
      { logger: quiet, onProgress: (p) => log(`  soak: ${p.readings} readings, ${Math.round(p.elapsedSeconds)} s`) },
    );
    const soak = (await meter.stop()).connector!;
    const rssMiB = soak.rssSamples.map((s) => s.rssBytes / 2 ** 20);
    const firstMinute = rssMiB.slice(0, 12);
    const lastMinute = rssMiB.slice(-12);
    const memory = { firstMinuteMedianMiB: median(firstMinute), lastMinuteMedianMiB: median(lastMinute), peakMiB: Math.max(...rssMiB) };

    const chart = await writeChart(
      join(resultsDirectory(), 'mqtt-source-memory'),
      lineChartSvg({
        title: `mqtt-source resident memory over a ${soakSeconds} s soak at ${Math.round(connector * 0.7)} readings/s`,
        xLabel: 'seconds',
        yLabel: 'RSS (MiB)',
        series: [{ name: 'connector RSS', points: soak.rssSamples.map((s) => ({ x: s.atSeconds, y: s.rssBytes / 2 ** 20 })) }],
      }),
    );
    const medians = {
      connectorReadingsPerSecond: Math.round(connector),
      kafkaAloneRecordsPerSecond: Math.round(kafka),
      mosquittoAloneReadingsPerSecond: Math.round(mosquitto),
      ratioToSlowerReference: connector / slower,
      target: 0.5,
      /** CPU microseconds per reading into Kafka at the peak, per process (median of the repetitions) */
      cpuMicrosPerReading: perReading,
      /** readings/s the co-located simulator, Mosquitto and Kafka would allow if the connector used no CPU, and that as a ratio */
      ceilingIfConnectorWereFree: { readingsPerSecond: Math.round(freeConnectorCeiling), ratioToSlowerReference: freeConnectorCeiling / slower },
      memory,
      spread: summarize(rounds.map((r) => r.connector)),
    };
    await writeResult('mqtt-source', {
      parameters: { peakSeconds, peakOffered, soakSeconds, readingsPerMessage: 3, payloadBytes: 234, recordBytes: 149, connections: 32, devices: 1000 },
      repetitions: rounds,
      medians,
      chart,
    });
    console.log(`mqtt-source: ${medians.connectorReadingsPerSecond} readings/s into Kafka; Kafka alone ${medians.kafkaAloneRecordsPerSecond} records/s, Mosquitto alone ${medians.mosquittoAloneReadingsPerSecond} readings/s; ratio to the slower ${(medians.ratioToSlowerReference * 100).toFixed(0)}% (target 50%; ${(medians.ceilingIfConnectorWereFree.ratioToSlowerReference * 100).toFixed(0)}% if the connector cost no CPU: per reading the simulator takes ${perReading.simulator?.toFixed(1)} µs, Mosquitto ${perReading.mosquitto?.toFixed(1)}, Kafka ${perReading.kafka?.toFixed(1)}, the connector ${perReading.connector?.toFixed(1)}, on ${cores} cores); RSS ${memory.firstMinuteMedianMiB.toFixed(0)} -> ${memory.lastMinuteMedianMiB.toFixed(0)} MiB`);
    return medians;
  } finally {
    await stopPipeline([source]);
    await admin.deleteTopics({ topics: [measurementsTopic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
