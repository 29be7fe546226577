import { createServer, type Server } from 'node:net';
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

  it('exits 1 when the component fails to start', async () => {
    const exited = new Promise<number>((resolve) => {
      void runComponent({ name: 'unstartable-test', opsPort: 0, exit: resolve, start: () => Promise.reject(new Error('database unreachable')) });
    });
    expect(await exited).toBe(1);
  });

  it('stops the component and exits 1 when its ops server cannot listen', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const { port } = taken.address() as { port: number };
    const stopped: string[] = [];
    try {
      const exited = new Promise<number>((resolve) => {
        void runComponent({
          name: 'no-ops-port-test',
          opsPort: port,
          exit: resolve,
          start: async () => ({ ready: () => true, stop: async () => void stopped.push('component'), metrics: new Registry() }),
        });
      });
      expect(await exited).toBe(1);
      expect(stopped).toEqual(['component']);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
