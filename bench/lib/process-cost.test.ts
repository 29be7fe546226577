import { cpuSecondsPerMillion, parseProcStat, parseProcStatusRss, sampleProcess, sampleSelf } from './process-cost';

describe('process cost', () => {
  test('CPU seconds are utime plus stime of /proc/<pid>/stat, in ticks of 1/100 s', () => {
    const stat = '4242 (java (kafka) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 566 0 0 20 0 50 0 1000 0 0';
    expect(parseProcStat(stat)).toEqual({ cpuSeconds: 18, command: 'java (kafka) x' });
  });

  test('RSS comes from VmRSS in kB', () => {
    expect(parseProcStatusRss('Name:\tredis-server\nVmRSS:\t    7120 kB\nThreads:\t5\n')).toBe(7120 * 1024);
    expect(parseProcStatusRss('Name:\tkthreadd\n')).toBe(0);
  });

  test('this process can be sampled both ways', async () => {
    const fromProc = await sampleProcess(process.pid);
    expect(fromProc?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(sampleSelf().cpuSeconds).toBeGreaterThan(0);
    expect(await sampleProcess(2 ** 30)).toBeUndefined();
  });

  test('cost per million readings', () => {
    expect(cpuSecondsPerMillion(3, 500_000)).toBe(6);
  });
});
