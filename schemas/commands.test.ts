import { commandLimits, commandRequestBody, commandRequestProblem, isFinalCommandState } from './commands';
import type { CommandRequest } from './types';

const request: CommandRequest = {
  id: '3f1c2a4e-9b7d-4e2f-8a61-0c5d9e7b1a23', tenant: 'acme', site: 'plant1', device: 'meter7', action: 'send', name: 'reboot', params: '{}',
  timeoutMs: 5000, persistent: false, ttlSeconds: null, caller: 'tok', createdAt: 1_700_000_000_000,
};

describe('commandRequestProblem', () => {
  it('accepts a well-formed request, and a cancel whatever its other fields', () => {
    expect(commandRequestProblem(request)).toBeUndefined();
    expect(commandRequestProblem({ ...request, action: 'cancel', name: '', params: '' })).toBeUndefined();
  });

  it.each([
    ['an id that is no UUID', { id: 'abc' }, 'UUID'],
    ['an upper-case UUID', { id: '3F1C2A4E-9B7D-4E2F-8A61-0C5D9E7B1A23' }, 'UUID'],
    ['a name with a slash', { name: 'a/b' }, 'name'],
    ['a timeout under the minimum', { timeoutMs: 10 }, 'timeoutMs'],
    ['a persistent command without a ttl', { persistent: true, ttlSeconds: null }, 'ttlSeconds'],
    ['a ttl over three days', { persistent: true, ttlSeconds: commandLimits.ttlSeconds.max + 1 }, 'ttlSeconds'],
    ['params that are not JSON', { params: '{oops' }, 'not JSON'],
    ['params that are an array', { params: '[1]' }, 'JSON object'],
    ['params over the size limit', { params: JSON.stringify({ a: 'x'.repeat(commandLimits.paramsMaxBytes) }) }, 'bytes'],
  ])('refuses %s', (_, change, words) => {
    expect(commandRequestProblem({ ...request, ...change })).toContain(words);
  });
});

describe('the cmd/req body', () => {
  it('is {"params", "expiresAt"} with the params as given', () => {
    expect(JSON.parse(commandRequestBody('{"seconds":30,"x":[1,2]}', 1_700_000_005_000).toString())).toEqual({ params: { seconds: 30, x: [1, 2] }, expiresAt: 1_700_000_005_000 });
    expect(JSON.parse(commandRequestBody('{}', null).toString())).toEqual({ params: {}, expiresAt: null });
  });
});

it('knows the final states', () => {
  expect(['QUEUED', 'SENT', 'ACKED'].map((s) => isFinalCommandState(s as never))).toEqual([false, false, false]);
  expect(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'EXPIRED', 'CANCELED'].every((s) => isFinalCommandState(s as never))).toBe(true);
});
