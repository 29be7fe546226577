import type { Consumer } from 'kafkajs';

/**
 * Settles with the error after which kafkajs stopped `consumer` for good: it
 * restarts a consumer after a retriable error only (the CRASH event says
 * which). Whoever owns the consumer then stops working, and should say so
 * (RunningComponent.failed) rather than live on unready.
 */
export function stoppedForGood(consumer: Consumer): Promise<Error> {
  return new Promise((resolve) => {
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) resolve(event.payload.error);
    });
  });
}
