import { LogEventCounter } from './log-events';

describe('LogEventCounter', () => {
  it('counts lines by event, else by message, and the lines mentioning a word', () => {
    const counter = new LogEventCounter({ concurrent: 'CONCURRENT_TRANSACTIONS' });
    counter.line('{"level":40,"event":"transaction_aborted","err":{"type":"CONCURRENT_TRANSACTIONS"}}');
    counter.line('{"level":40,"event":"transaction_aborted","err":{"type":"OTHER"}}');
    counter.line('{"level":20,"msg":"retrying","error":"CONCURRENT_TRANSACTIONS"}');
    counter.line('not json');
    counter.line('');
    expect(counter.count('transaction_aborted')).toBe(2);
    expect(counter.take()).toEqual({ events: { transaction_aborted: 2, retrying: 1, '(text)': 1 }, mentions: { concurrent: 2 } });
    expect(counter.take()).toEqual({ events: {}, mentions: { concurrent: 0 } });
  });

  it('joins a line split over chunks', () => {
    const counter = new LogEventCounter();
    counter.chunk('{"event":"a"}\n{"eve');
    counter.chunk('nt":"b"}\n{"event":"c"}');
    expect(counter.take().events).toEqual({ a: 1, b: 1 });
    counter.chunk('\n');
    expect(counter.count('c')).toBe(1);
  });

  it('counts the lines of its logger at its level', () => {
    const counter = new LogEventCounter();
    const logger = counter.logger('info');
    logger.warn({ event: 'transaction_aborted' }, 'transaction aborted');
    logger.debug({ event: 'quiet' }, 'not counted');
    expect(counter.take().events).toEqual({ transaction_aborted: 1 });
  });
});
