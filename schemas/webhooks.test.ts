import { newWebhookMessageId, newWebhookSecret, pathFilterProblem, webhookSecretKey, webhookUrlProblem } from './webhooks';

describe('webhook secrets', () => {
  it('are whsec_ and the base64 of 32 random bytes, read back as the HMAC key', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookSecretKey(secret)).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('refuse what is not whsec_ and 24 to 64 bytes', () => {
    expect(webhookSecretKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeUndefined();
    expect(webhookSecretKey(`whsec_${Buffer.alloc(16).toString('base64')}`)).toBeUndefined();
    expect(webhookSecretKey(`whsec_${Buffer.alloc(65).toString('base64')}`)).toBeUndefined();
    expect(webhookSecretKey('whsec_not base64!')).toBeUndefined();
  });
});

describe('message ids', () => {
  it('never hold a dot, the separator of the signed text', () => {
    for (let i = 0; i < 100; i++) expect(newWebhookMessageId()).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
  });
});

describe('pathFilterProblem', () => {
  it('takes MQTT filters inside the tenant', () => {
    for (const filter of ['/acme/#', '/acme/p1/+/kwh', '/acme/p1/d1/kwh', '/acme/+/#']) expect(pathFilterProblem('acme', filter)).toBeUndefined();
  });

  it('refuses filters of another tenant or malformed ones', () => {
    expect(pathFilterProblem('acme', '/globex/#')).toContain('/acme/');
    expect(pathFilterProblem('acme', '#')).toContain('/acme/');
    expect(pathFilterProblem('acme', '/acme/#/kwh')).toContain('last level');
    expect(pathFilterProblem('acme', '/acme/p+/kwh')).toContain('mixes');
  });
});

describe('webhookUrlProblem', () => {
  it('takes http and https URLs', () => {
    expect(webhookUrlProblem('https://hooks.example.com/fleet?x=1')).toBeUndefined();
    expect(webhookUrlProblem('http://127.0.0.1:8080/')).toBeUndefined();
  });

  it('refuses other schemes, credentials and non-URLs', () => {
    expect(webhookUrlProblem('ftp://example.com/')).toContain('http');
    expect(webhookUrlProblem('https://user:pw@example.com/')).toContain('credentials');
    expect(webhookUrlProblem('example.com')).toContain('not a URL');
  });
});
