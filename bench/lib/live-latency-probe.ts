/**
 * Publish-to-Redis latency, measured in a process of its own: it subscribes
 * to the redis-sink's live channels and takes, for every update, the time it
 * arrived minus the reading's time. The simulator stamps a reading with the
 * time it publishes it, as devices do, so that is publish to latest value.
 *
 * Why a process of its own: measured in the benchmark's process, the arrival
 * time also held however long that process's event loop was busy publishing
 * the simulated fleet, hundreds of milliseconds under load.
 */
import { fork } from 'node:child_process';
import { Redis } from 'ioredis';

/** Every latency the probe measured (ms), and when each update arrived (epoch ms), in arrival order. */
export interface LatencySamples {
  latencies: number[];
  arrivedAt: number[];
}

export interface LatencyProbe {
  stop(): Promise<LatencySamples>;
}

/** Starts the probe on the channels matching `pattern` (a PSUBSCRIBE pattern); resolves once it is subscribed. */
export async function startLatencyProbe(redisUrl: string, pattern: string): Promise<LatencyProbe> {
  const child = fork(__filename, ['probe', redisUrl, pattern], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the latency probe exited (${code}) before subscribing`)));
  });
  return {
    stop: () =>
      new Promise<LatencySamples>((resolve, reject) => {
        child.once('message', (samples) => resolve(samples as LatencySamples));
        child.once('exit', (code) => reject(new Error(`the latency probe exited (${code}) without reporting`)));
        child.send('stop');
      }),
  };
}

async function probe(redisUrl: string, pattern: string): Promise<void> {
  const samples: LatencySamples = { latencies: [], arrivedAt: [] };
  const redis = new Redis(redisUrl);
  redis.on('pmessage', (_pattern, _channel, message: string) => {
    const arrived = Date.now();
    const { time } = JSON.parse(message) as { time: number };
    samples.latencies.push(arrived - time);
    samples.arrivedAt.push(arrived);
  });
  await redis.psubscribe(pattern);
  process.send!('subscribed');
  process.on('message', () => {
    redis.disconnect();
    process.send!(samples, () => process.exit(0));
  });
}

if (require.main === module && process.argv[2] === 'probe') {
  probe(process.argv[3]!, process.argv[4]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
