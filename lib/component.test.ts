import { Registry } from 'prom-client';
import { runComponent } from './component';

describe('runComponent', () => {
  it('shuts a component down and exits 1 once it reports that it failed for good', async () => {
    let fail: (error: Error) => void = () => undefined;
    const stopped: string[] = [];
    const exited = new Promise<number>((resolve) => {
      void runComponent({
        name: 'failing-test',
        opsPort: 0,
        exit: resolve,
        start: async () => ({
          ready: () => true,
          stop: async () => void stopped.push('component'),
          metrics: new Registry(),
          failed: new Promise<Error>((resolve_) => (fail = resolve_)),
        }),
      });
    });
    fail(new Error('the consumer stopped'));
    expect(await exited).toBe(1);
    expect(stopped).toEqual(['component']);
  });
});
