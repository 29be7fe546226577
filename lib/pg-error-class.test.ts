import { FleetstreamError } from './errors';
import { databaseError, pgErrorClass } from './pg-error-class';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('pgErrorClass', () => {
  it.each([
    ['08006', 'connection failure'],
    ['08001', 'cannot establish a connection'],
    ['40001', 'serialization failure'],
    ['40P01', 'deadlock'],
    ['53100', 'disk full'],
    ['53300', 'too many connections'],
    ['57014', 'query canceled (statement timeout)'],
    ['57P01', 'admin shutdown (a server restart)'],
    ['57P03', 'the database system is starting up'],
    ['58030', 'I/O error'],
    ['55P03', 'lock not available'],
  ])('%s (%s) is unavailable: retrying can succeed', (code) => {
    expect(pgErrorClass(withCode(code))).toBe('unavailable');
  });

  it.each([['ECONNREFUSED'], ['ECONNRESET'], ['EPIPE'], ['ETIMEDOUT']])('a socket error %s is unavailable', (code) => {
    expect(pgErrorClass(withCode(code))).toBe('unavailable');
  });

  it('an error with no code (node-postgres: "Connection terminated unexpectedly") is unavailable', () => {
    expect(pgErrorClass(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
  });

  it.each([
    ['22021', 'invalid byte sequence (a NUL byte in text)'],
    ['22P05', 'untranslatable character (\\u0000 in jsonb or text)'],
    ['22003', 'numeric value out of range'],
    ['23502', 'not null violation'],
    ['23514', 'check violation'],
    ['21000', 'cardinality violation'],
    ['54000', 'program limit exceeded (index row too large)'],
  ])('%s (%s) is unwritable: the rows are refused', (code) => {
    expect(pgErrorClass(withCode(code))).toBe('unwritable');
  });

  it.each([
    ['42P01', 'undefined table'],
    ['42501', 'insufficient privilege'],
    ['42601', 'syntax error'],
    ['28P01', 'invalid password'],
    ['3D000', 'database does not exist'],
    ['0A000', 'feature not supported'],
    ['XX000', 'internal error'],
  ])('%s (%s) is rejected: the statement fails whatever the rows', (code) => {
    expect(pgErrorClass(withCode(code))).toBe('rejected');
  });
});

describe('databaseError', () => {
  it('carries the code of its class, the SQLSTATE and the cause', () => {
    const cause = withCode('22021', 'invalid byte sequence for encoding "UTF8": 0x00');
    const error = databaseError(cause, 'writing 3 records of m');
    expect(error).toMatchObject({ code: 'RECORD_UNWRITABLE', retriable: false, cause });
    expect(error.message).toBe('writing 3 records of m failed: invalid byte sequence for encoding "UTF8": 0x00 (22021)');
  });

  it('names what to check when the statement is rejected, and keeps a retriable error retriable', () => {
    expect(databaseError(withCode('42P01', 'relation "m" does not exist'), 'writing').message).toMatch(/fleetstream migrate/);
    expect(databaseError(withCode('57P01'), 'writing')).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retriable: true });
  });

  it('leaves a FleetstreamError as it is', () => {
    const classified = new FleetstreamError('RECORD_UNWRITABLE', 'x');
    expect(databaseError(classified, 'writing')).toBe(classified);
  });
});
