/**
 * Requests of this replica waiting for the shadow processor's answer, by
 * request id. Register before sending the request: the answer may come back
 * before the send is acknowledged. Pure.
 */
import type { ShadowResult } from '../../schemas/types';

export class ResultWaiter {
  private readonly pending = new Map<string, (result: ShadowResult | undefined) => void>();

  /** Resolves with the answer to `requestId`, or undefined after `timeoutMs`. */
  wait(requestId: string, timeoutMs: number): Promise<ShadowResult | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(requestId, undefined), timeoutMs);
      this.pending.set(requestId, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
  }

  /** An answer read from the results topic; answers to other replicas' requests are ignored. */
  deliver(result: ShadowResult): void {
    this.settle(result.requestId, result);
  }

  /** Gives up on `requestId` (its request could not be sent). */
  cancel(requestId: string): void {
    this.settle(requestId, undefined);
  }

  get waiting(): number {
    return this.pending.size;
  }

  private settle(requestId: string, result: ShadowResult | undefined): void {
    const resolve = this.pending.get(requestId);
    if (!resolve) return;
    this.pending.delete(requestId);
    resolve(result);
  }
}
