/**
 * Notices a subscription that delivers nothing while devices publish: the
 * broker's own count of received PUBLISH packets (Mosquitto's
 * `$SYS/broker/publish/messages/received`) grew by at least
 * `minBrokerMessages` over `windowMs` while this connector received nothing.
 * A heuristic: other publishers on the broker also move its counter, hence the
 * threshold. Pure: the caller feeds it samples.
 */
export interface WatchdogOptions {
  windowMs: number;
  minBrokerMessages: number;
}

export type SubscriptionHealth = 'unknown' | 'flowing' | 'stalled';

interface Sample {
  at: number;
  brokerReceived: number;
  ownReceived: number;
}

export class SubscriptionWatchdog {
  private samples: Sample[] = [];

  constructor(private readonly options: WatchdogOptions) {}

  observe(at: number, brokerReceived: number, ownReceived: number): void {
    this.samples.push({ at, brokerReceived, ownReceived });
    // keep one sample older than the window, to measure the whole window
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.options.windowMs) this.samples.shift();
  }

  /** After a reconnect the broker's counter may restart: start over. */
  reset(): void {
    this.samples = [];
  }

  health(now: number, ownReceived: number): SubscriptionHealth {
    const oldest = this.samples[0];
    const newest = this.samples[this.samples.length - 1];
    if (!oldest || !newest || oldest.at > now - this.options.windowMs) return 'unknown';
    const brokerGrew = newest.brokerReceived - oldest.brokerReceived;
    const ownGrew = ownReceived - oldest.ownReceived;
    return brokerGrew >= this.options.minBrokerMessages && ownGrew === 0 ? 'stalled' : 'flowing';
  }
}
