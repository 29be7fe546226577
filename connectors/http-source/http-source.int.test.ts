import { revokeDevice, rotateCredentials, setDeviceEnabled } from '../../registry';
import type { Measurement } from '../../schemas/types';
import { eventually } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { basicAuthorization, heldKafka, ingest, ingestFixture, provisionDevice, sendsHeld, startIngest } from './http-source.fixture';

type Decoded = Omit<Measurement, 'timestamp' | 'receivedAt'> & { timestamp: unknown; receivedAt: unknown };
type DeadLetterRecord = { source: string; reason: string; message: string; payload: Buffer; sourceTopic: string | null; headers: Record<string, string> };
const ms = (t: unknown) => (t instanceof Date ? t.getTime() : Number(t));

describe('http-source', () => {
  it("turns each payload format into Measurement records with the identity of the credentials alone, answering 202", async () => {
    const fixture = await ingestFixture();
    const { url } = await startIngest(fixture.options);
    const { authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'plant1', device: 'gprs-7' });
    const reader = await TopicReader.start<Decoded>(fixture.options.measurementsTopic!);
    const ts = Date.now() - 60_000;
    // names in the URL and the body are no identity: the credentials are
    const spoofing = `${url}?tenant=globex&site=x&device=y`;

    expect(await ingest(spoofing, { metric: 'temperature', value: 21.5, ts, unit: 'degC', tenant: 'globex' }, authorization)).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await ingest(url, { ts: ts + 1, readings: { energy_kwh: 1234.5, pulses: 3 }, kinds: { energy_kwh: 'energy', pulses: 'additive' } }, authorization)).toMatchObject({ status: 202, body: { accepted: 2 } });
    expect(await ingest(url, Buffer.from(JSON.stringify([{ bn: 'senml_', bt: (ts + 2) / 1000, n: 'power', u: 'kW', v: 2.5 }])), authorization)).toMatchObject({ status: 202, body: { accepted: 1 } });

    const records = await reader.waitFor(4);
    const byPath = Object.fromEntries(records.map((r) => [r.key, { ...r.value, timestamp: ms(r.value.timestamp) }]));
    expect(Object.keys(byPath).sort()).toEqual(['/acme/plant1/gprs-7/energy_kwh', '/acme/plant1/gprs-7/pulses', '/acme/plant1/gprs-7/senml_power', '/acme/plant1/gprs-7/temperature']);
    expect(byPath['/acme/plant1/gprs-7/temperature']).toMatchObject({ tenant: 'acme', site: 'plant1', device: 'gprs-7', metric: 'temperature', kind: 'non_additive', value: 21.5, timestamp: ts, unit: 'degC', sourceTopic: null });
    expect(byPath['/acme/plant1/gprs-7/energy_kwh']).toMatchObject({ kind: 'energy', value: 1234.5, timestamp: ts + 1 });
    expect(byPath['/acme/plant1/gprs-7/senml_power']).toMatchObject({ value: 2.5, unit: 'kW', timestamp: ts + 2 });
  });

  it('answers 202 only once Kafka acknowledged the readings', async () => {
    const fixture = await ingestFixture();
    const kafka = heldKafka();
    const { url, source } = await startIngest(fixture.options, { kafka: kafka.kafka });
    const { authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'held' });
    let answered = false;
    const answer = ingest(url, { metric: 't', value: 1 }, authorization).finally(() => (answered = true));
    await sendsHeld(kafka, 1);
    expect(answered).toBe(false);
    expect(await source.metrics.getSingleMetricAsString('http_source_unacknowledged_records')).toMatch(/ 1$/m);
    kafka.release();
    expect((await answer).status).toBe(202);
  });

  it('answers the requests under way when it stops, and takes no new ones', async () => {
    const fixture = await ingestFixture();
    const kafka = heldKafka();
    const { url, source } = await startIngest(fixture.options, { kafka: kafka.kafka });
    const { authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'stopping' });
    const reader = await TopicReader.start<Decoded>(fixture.options.measurementsTopic!);
    const underWay = ingest(url, { metric: 't', value: 1 }, authorization);
    await sendsHeld(kafka, 1);
    const stopped = source.stop();
    await eventually(() => ingest(url, { metric: 't', value: 2 }, authorization).then((answer) => (answer.status === 503 ? true : undefined), () => true), 'new requests refused');
    kafka.release();
    expect((await underWay).status).toBe(202);
    await stopped;
    expect((await reader.waitFor(1)).map((r) => r.value.value)).toEqual([1]);
  });

  it('answers 401 with a Basic challenge to no credentials, a wrong password, an unknown device and another scheme', async () => {
    const fixture = await ingestFixture();
    const { url, source } = await startIngest(fixture.options);
    const { credentials } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'm1' });
    const reading = { metric: 't', value: 1 };
    for (const authorization of [undefined, basicAuthorization(credentials.username, `${credentials.password}x`), basicAuthorization('acme/p1/nobody', credentials.password), 'Bearer fst_x_y']) {
      const answer = await ingest(url, reading, authorization);
      expect({ authorization, status: answer.status, code: answer.body.code }).toEqual({ authorization, status: 401, code: 'UNAUTHENTICATED' });
      expect(answer.headers.get('www-authenticate')).toBe('Basic realm="fleetstream", charset="UTF-8"');
    }
    expect(await source.metrics.getSingleMetricAsString('http_source_requests_total')).toMatch(/outcome="UNAUTHENTICATED".* 4$/m);
  });

  it('refuses logins from a client address that failed too many with 429 and Retry-After, before checking even the right password; other devices from it until the address has failed its own burst', async () => {
    const fixture = await ingestFixture({ failedLoginRate: 0.01, failedLoginBurst: 2, failedLoginAddressRate: 0.01, failedLoginAddressBurst: 3 });
    const { url, source } = await startIngest(fixture.options);
    const m1 = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'm1' });
    const m2 = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'm2' });
    const m3 = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'm3' });
    const reading = { metric: 't', value: 1 };
    const wrong = (c: { username: string; password: string }) => basicAuthorization(c.username, `${c.password}x`);
    for (let i = 0; i < 2; i++) expect((await ingest(url, reading, wrong(m1.credentials))).status).toBe(401);
    const throttled = await ingest(url, reading, m1.authorization);
    expect({ status: throttled.status, code: throttled.body.code }).toEqual({ status: 429, code: 'LOGIN_THROTTLED' });
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(99);
    // another device from the same address is still checked, and its third failure spends the address's burst
    expect((await ingest(url, reading, m2.authorization)).status).toBe(202);
    expect((await ingest(url, reading, wrong(m2.credentials))).status).toBe(401);
    expect((await ingest(url, reading, m3.authorization)).body.code).toBe('LOGIN_THROTTLED');
    // only password checks are held back: a request without credentials is answered 401 as before
    expect((await ingest(url, reading)).status).toBe(401);
    expect(await source.metrics.getSingleMetricAsString('http_source_requests_total')).toMatch(/outcome="LOGIN_THROTTLED".* 2$/m);
  });

  it("counts failed logins by the device's address that a trusted proxy forwards (HTTP_SOURCE_TRUST_PROXY), not by the proxy's", async () => {
    const fixture = await ingestFixture({ failedLoginRate: 0.01, failedLoginBurst: 1, trustProxy: '127.0.0.1' });
    const { url } = await startIngest(fixture.options);
    const { credentials, authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'm1' });
    const from = (address: string, auth: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: auth, 'x-forwarded-for': address }, body: JSON.stringify({ metric: 't', value: 1 }) }).then((r) => r.status);
    const wrong = basicAuthorization(credentials.username, `${credentials.password}x`);
    expect(await from('10.0.0.1', wrong)).toBe(401);
    expect(await from('10.0.0.1', authorization)).toBe(429);
    // the same device from another address behind the same proxy is checked
    expect(await from('10.0.0.2', authorization)).toBe(202);
  });

  it('refuses a device within seconds of its revocation (403), of its disabling (403) and of its rotation (401 for the old password)', async () => {
    // a TTL far longer than the test: only the registry's notifications can make these changes seen
    const fixture = await ingestFixture({ credentialCacheTtl: '5m' });
    const { url } = await startIngest(fixture.options);
    const devices = { revoked: { tenant: 'acme', site: 'p1', device: 'revoked' }, disabled: { tenant: 'acme', site: 'p1', device: 'disabled' }, rotated: { tenant: 'acme', site: 'p1', device: 'rotated' } };
    const auth = {
      revoked: (await provisionDevice(fixture.registry, devices.revoked)).authorization,
      disabled: (await provisionDevice(fixture.registry, devices.disabled)).authorization,
      rotated: (await provisionDevice(fixture.registry, devices.rotated)).authorization,
    };
    const reading = { metric: 't', value: 1 };
    for (const authorization of Object.values(auth)) expect((await ingest(url, reading, authorization)).status).toBe(202);

    await revokeDevice(fixture.registry, devices.revoked);
    await setDeviceEnabled(fixture.registry, devices.disabled, false);
    const rotated = await rotateCredentials(fixture.registry, devices.rotated);
    const statusOf = async (authorization: string, expected: number) => {
      const { status } = await ingest(url, reading, authorization);
      return status === expected ? status : undefined;
    };
    await eventually(() => statusOf(auth.revoked, 403), 'the revoked device refused', 5000);
    await eventually(() => statusOf(auth.disabled, 403), 'the disabled device refused', 5000);
    await eventually(() => statusOf(auth.rotated, 401), 'the rotated-away password refused', 5000);
    expect((await ingest(url, reading, auth.revoked)).body).toMatchObject({ code: 'DEVICE_FORBIDDEN', message: expect.stringContaining('acme/p1/revoked is revoked') });
    expect((await ingest(url, reading, basicAuthorization(rotated.username, rotated.password))).status).toBe(202);
  });

  it('answers bad input 400 with its reason, once its dead letter with the original bytes is on Kafka', async () => {
    const fixture = await ingestFixture();
    const { url, source } = await startIngest(fixture.options);
    const { authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'sloppy' });
    const deadLetters = await TopicReader.start<DeadLetterRecord>(fixture.options.deadLetterTopic!);
    // strings go as text/plain, bytes without a content type: the payload is read whatever the type says
    const bad: [string, string | Buffer][] = [
      ['malformed_json', '{"metric": "t", "value": '],
      ['invalid_payload', '{"metric": "t", "value": "warm"}'],
      ['non_finite_value', '{"metric": "t", "value": 1e999}'],
      ['invalid_utf8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
      ['timestamp_in_future', JSON.stringify({ metric: 't', value: 1, ts: Date.now() + 3_600_000 })],
      ['invalid_path', '{"metric": "room temp", "value": 1}'],
      ['malformed_json', ''],
    ];
    for (const [reason, payload] of bad) {
      const answer = await ingest(url, payload, authorization);
      expect({ reason, status: answer.status, body: answer.body }).toEqual({ reason, status: 400, body: { statusCode: 400, code: 'PAYLOAD_INVALID', reason, message: expect.stringContaining(`dead-lettered as ${reason}`) } });
    }
    const letters = await deadLetters.waitFor(bad.length);
    for (const [reason, payload] of bad) {
      const letter = letters.find((l) => l.value.reason === reason && Buffer.from(l.value.payload).equals(Buffer.from(payload)));
      expect({ reason, letter: letter?.value }).toMatchObject({ reason, letter: { source: 'http-source', sourceTopic: null, headers: { device: 'acme/p1/sloppy' } } });
      expect(letter?.headers['fleet-reason']).toBe(reason);
    }
    expect(await source.metrics.getSingleMetricAsString('http_source_dead_lettered_total')).toMatch(/reason="malformed_json".* 2$/m);
  });

  it('answers 400 series_limit to a message that would give its device more series than maxSeriesPerDevice, dead-lettered', async () => {
    const fixture = await ingestFixture({ maxSeriesPerDevice: 2 });
    const { url } = await startIngest(fixture.options);
    const { authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'minting' });
    const deadLetters = await TopicReader.start<DeadLetterRecord>(fixture.options.deadLetterTopic!);
    expect((await ingest(url, { readings: { a: 1, b: 2 } }, authorization)).status).toBe(202);
    const refused = await ingest(url, { readings: { a: 3, c: 4 } }, authorization);
    expect(refused).toMatchObject({ status: 400, body: { code: 'PAYLOAD_INVALID', reason: 'series_limit', message: expect.stringContaining('maxSeriesPerDevice (2)') } });
    expect((await ingest(url, { readings: { b: 5 } }, authorization)).status).toBe(202);
    const [letter] = await deadLetters.waitFor(1);
    expect(letter?.value).toMatchObject({ reason: 'series_limit', headers: { device: 'acme/p1/minting' } });
  });

  it('answers 413 to a body over maxBodyBytes', async () => {
    const fixture = await ingestFixture({ maxBodyBytes: 1024 });
    const { url } = await startIngest(fixture.options);
    const { authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'big' });
    const answer = await ingest(url, { metric: 't', value: 1, pad: 'x'.repeat(2000) }, authorization);
    expect(answer).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it("answers 429 with Retry-After over a device's rate, counted, and leaves other devices alone", async () => {
    const fixture = await ingestFixture({ deviceRate: 0.2, deviceBurst: 2 });
    const { url, source } = await startIngest(fixture.options);
    const chatty = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'chatty' });
    const quiet = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'quiet' });
    const reading = { metric: 't', value: 1 };
    expect((await ingest(url, reading, chatty.authorization)).status).toBe(202);
    expect((await ingest(url, reading, chatty.authorization)).status).toBe(202);
    const refused = await ingest(url, reading, chatty.authorization);
    expect(refused).toMatchObject({ status: 429, body: { code: 'DEVICE_RATE_LIMITED' } });
    // one message per 5 s: the next token is at most 5 s away
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(5);
    expect((await ingest(url, reading, quiet.authorization)).status).toBe(202);
    expect(await source.metrics.getSingleMetricAsString('http_source_requests_total')).toMatch(/outcome="DEVICE_RATE_LIMITED".* 1$/m);
  });

  it("answers 429 TENANT_RATE_LIMITED with Retry-After over a tenant's rate, its devices together, and leaves other tenants alone", async () => {
    const fixture = await ingestFixture({ tenantRate: 0.01, tenantBurst: 3 });
    const { url, source } = await startIngest(fixture.options);
    const [a1, a2, b1] = await Promise.all([
      provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'a1' }),
      provisionDevice(fixture.registry, { tenant: 'acme', site: 'p2', device: 'a2' }),
      provisionDevice(fixture.registry, { tenant: 'globex', site: 'p1', device: 'b1' }),
    ]);
    const reading = { metric: 't', value: 1 };
    const statuses = [];
    for (const device of [a1, a2, a1, a2]) statuses.push((await ingest(url, reading, device.authorization)).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const refused = await ingest(url, reading, a1.authorization);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 429, code: 'TENANT_RATE_LIMITED' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(99);
    expect((await ingest(url, reading, b1.authorization)).status).toBe(202);
    expect(await source.metrics.getSingleMetricAsString('http_source_requests_total')).toMatch(/outcome="TENANT_RATE_LIMITED".* 2$/m);
  });

  it('answers 429 with Retry-After while too many requests are under way', async () => {
    const fixture = await ingestFixture({ maxInFlight: 1, retryAfter: '3s' });
    const kafka = heldKafka();
    const { url } = await startIngest(fixture.options, { kafka: kafka.kafka });
    const [a, b] = await Promise.all(['a', 'b'].map((device) => provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device })));
    const first = ingest(url, { metric: 't', value: 1 }, a!.authorization);
    await sendsHeld(kafka, 1);
    const refused = await ingest(url, { metric: 't', value: 1 }, b!.authorization);
    expect(refused).toMatchObject({ status: 429, body: { code: 'INGEST_OVERLOADED', message: expect.stringContaining('HTTP_SOURCE_MAX_IN_FLIGHT') } });
    expect(refused.headers.get('retry-after')).toBe('3');
    kafka.release();
    expect((await first).status).toBe(202);
    expect((await ingest(url, { metric: 't', value: 1 }, b!.authorization)).status).toBe(202);
  });

  it('answers 429 with Retry-After while too many records wait for Kafka', async () => {
    const fixture = await ingestFixture({ maxUnacknowledged: 2, retryAfter: '3s' });
    const kafka = heldKafka();
    const { url, source } = await startIngest(fixture.options, { kafka: kafka.kafka });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((device) => provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device })));
    const unacknowledged = async () => Number(/ (\d+)$/m.exec(await source.metrics.getSingleMetricAsString('http_source_unacknowledged_records'))?.[1]);
    // one record in the send Kafka holds, then two more queued behind it: three wait, over the bound of two
    const first = ingest(url, { metric: 't', value: 1 }, a!.authorization);
    await sendsHeld(kafka, 1);
    const second = ingest(url, { readings: { t: 1, u: 2 } }, b!.authorization);
    await eventually(async () => ((await unacknowledged()) === 3 ? true : undefined), 'three records waiting for Kafka');
    const refused = await ingest(url, { metric: 't', value: 1 }, c!.authorization);
    expect(refused).toMatchObject({ status: 429, body: { code: 'INGEST_OVERLOADED', message: expect.stringContaining('HTTP_SOURCE_MAX_UNACKNOWLEDGED') } });
    expect(refused.headers.get('retry-after')).toBe('3');
    kafka.release();
    expect([(await first).status, (await second).status]).toEqual([202, 202]);
    expect((await ingest(url, { metric: 't', value: 1 }, c!.authorization)).status).toBe(202);
  });

  it('answers 503 with Retry-After when Kafka does not acknowledge in time, and the readings still arrive', async () => {
    const fixture = await ingestFixture({ ackTimeout: '300ms', retryAfter: '2s' });
    const kafka = heldKafka();
    const { url } = await startIngest(fixture.options, { kafka: kafka.kafka });
    const { authorization } = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'late' });
    const reader = await TopicReader.start<Decoded>(fixture.options.measurementsTopic!);
    const late = await ingest(url, { metric: 't', value: 1 }, authorization);
    expect(late).toMatchObject({ status: 503, body: { code: 'KAFKA_UNAVAILABLE' } });
    expect(late.headers.get('retry-after')).toBe('2');
    kafka.release();
    // a retry would be a duplicate, which counts once
    expect((await reader.waitFor(1))[0]?.key).toBe('/acme/p1/late/t');
  });
});
