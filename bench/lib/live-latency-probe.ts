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

export interface LatencyProbe {
  /** Stops the probe and returns every latency it measured, ms. */
  stop(): Promise<number[]>;
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
      new Promise<number[]>((resolve, reject) => {
        child.once('message', (latencies) => resolve(latencies as number[]));
        child.once('exit', (code) => reject(new Error(`the latency probe exited (${code}) without reporting`)));
        child.send('stop');
      }),
  };
}

async function probe(redisUrl: string, pattern: string): Promise<void> {
  const latencies: number[] = [];
  const redis = new Redis(redisUrl);
  redis.on('pmessage', (_pattern, _channel, message: string) => {
    const arrived = Date.now();
    const { time } = JSON.parse(message) as { time: number };
    latencies.push(arrived - time);
  });
  await redis.psubscribe(pattern);
  process.send!('subscribed');
  process.on('message', () => {
    redis.disconnect();
    process.send!(latencies, () => process.exit(0));
  });
}

if (require.main === module && process.argv[2] === 'probe') {
  probe(process.argv[3]!, process.argv[4]!).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
