import pino from 'pino';
import { closeOnFailure, OpenedResources } from './opened-resources';

const silent = pino({ level: 'silent' });

describe('closeOnFailure', () => {
  it('closes what a start opened before it failed, newest first, and rethrows the start\'s error', async () => {
    const closed: string[] = [];
    const failure = new Error('database unreachable');
    const starting = closeOnFailure(silent, async (opened) => {
      opened.add('kafka producer', () => void closed.push('kafka producer'));
      opened.add('redis', async () => void closed.push('redis'));
      throw failure;
    });
    await expect(starting).rejects.toBe(failure);
    expect(closed).toEqual(['redis', 'kafka producer']);
  });

  it('closes nothing when the start succeeds', async () => {
    const closed: string[] = [];
    const result = await closeOnFailure(silent, async (opened) => {
      opened.add('pool', () => void closed.push('pool'));
      return 'running';
    });
    expect(result).toBe('running');
    expect(closed).toEqual([]);
  });

  it('still rethrows the start\'s error, not a closing one, when closing fails too', async () => {
    const closed: string[] = [];
    const failure = new Error('port taken');
    const starting = closeOnFailure(silent, async (opened) => {
      opened.add('pool', () => void closed.push('pool'));
      opened.add('redis', () => Promise.reject(new Error('quit failed')));
      throw failure;
    });
    await expect(starting).rejects.toBe(failure);
    expect(closed).toEqual(['pool']);
  });
});

describe('OpenedResources.close', () => {
  it('closes every resource even if one fails, then throws that failure', async () => {
    const opened = new OpenedResources(silent);
    const closed: string[] = [];
    opened.add('first', () => void closed.push('first'));
    opened.add('second', () => Promise.reject(new Error('second failed')));
    opened.add('third', () => void closed.push('third'));
    await expect(opened.close()).rejects.toThrow('second failed');
    expect(closed).toEqual(['third', 'first']);
  });

  it('closes each resource once, however often it is called', async () => {
    const opened = new OpenedResources(silent);
    let closes = 0;
    opened.add('pool', () => void closes++);
    await opened.close();
    await opened.close();
    expect(closes).toBe(1);
  });
});
