import { createHmac } from 'node:crypto';
import { webhookHeaders, webhookSignature } from './webhook-signature';

describe('webhookSignature', () => {
  it('gives the signature of the Standard Webhooks libraries\' test vector', () => {
    const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64');
    expect(webhookSignature('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', [key])).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every key, space-separated, the current one first', () => {
    const [current, previous] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    const signatures = webhookSignature('msg_x', 10, 'body', [current, previous]).split(' ');
    const expected = (key: Buffer) => `v1,${createHmac('sha256', key).update('msg_x.10.body').digest('base64')}`;
    expect(signatures).toEqual([expected(current), expected(previous)]);
  });
});

describe('webhookHeaders', () => {
  it('stamps the attempt in unix seconds and keeps the id', () => {
    const headers = webhookHeaders('msg_a', 1_700_000_000_999, '{}', [Buffer.alloc(24, 7)]);
    expect(headers['webhook-id']).toBe('msg_a');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toBe(webhookSignature('msg_a', 1_700_000_000, '{}', [Buffer.alloc(24, 7)]));
  });
});
