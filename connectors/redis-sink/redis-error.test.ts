import { FleetstreamError } from '../../lib/errors';
import { redisError } from './redis-error';

describe('redisError', () => {
  it('makes WRONGTYPE, a key of another type at the record\'s key, unwritable', () => {
    const cause = new Error('WRONGTYPE Operation against a key holding the wrong kind of value script: 1a2b, on @user_script:7.');
    expect(redisError(cause, 'writing 3 records of m')).toMatchObject({ code: 'RECORD_UNWRITABLE', retriable: false, cause });
  });

  it('keeps everything else retriable: a lost connection, a script not loaded, OOM', () => {
    for (const message of ['Connection is closed.', 'NOSCRIPT No matching script.', "OOM command not allowed when used memory > 'maxmemory'."]) {
      expect(redisError(new Error(message), 'writing')).toMatchObject({ code: 'REDIS_UNAVAILABLE', retriable: true });
    }
  });

  it('leaves a FleetstreamError as it is', () => {
    const classified = new FleetstreamError('RECORD_UNWRITABLE', 'x');
    expect(redisError(classified, 'writing')).toBe(classified);
  });
});
