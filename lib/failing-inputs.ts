/**
 * The input partitions of a state processor (shadow, alerts, automations)
 * whose batch could not be decoded for now (the schema registry away): the
 * batch is consumed again from its first offset, and the processor is
 * unready while any partition waits.
 */
import type { Consumer, KafkaMessage } from 'kafkajs';
import type { Logger } from './logger';

export class FailingInputs {
  private readonly failing = new Set<string>();

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.failing.size;
  }

  /** What `decode` made of the batch, or undefined when it threw a retriable error: the consumer was sought back to the batch's start. Other errors are thrown. */
  async decode<T>(consumer: Pick<Consumer, 'seek'>, topic: string, partition: number, messages: readonly KafkaMessage[], decode: () => Promise<T>): Promise<T | undefined> {
    const where = `${topic}:${partition}`;
    let decoded: T;
    try {
      decoded = await decode();
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true) throw error;
      this.failing.add(where);
      consumer.seek({ topic, partition, offset: messages[0]!.offset });
      this.log.warn({ event: 'input_retried', topic, partition, offset: messages[0]!.offset, err: error }, 'input cannot be decoded for now: consuming it again');
      return undefined;
    }
    if (this.failing.delete(where)) this.log.info({ event: 'input_recovered', topic, partition }, 'input decodes again');
    return decoded;
  }

  /** Forgets the partitions no longer assigned. */
  keepAssigned(assigned: ReadonlySet<number>): void {
    for (const where of [...this.failing]) if (!assigned.has(Number(where.slice(where.lastIndexOf(':') + 1)))) this.failing.delete(where);
  }
}
