import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa } from '../../broker/test-ca';
import { issueClientCertificate, issueServerCertificate } from '../../broker/client-certificate';
import { revokeDevice } from '../../registry';
import type { Measurement } from '../../schemas/types';
import { onCleanup } from '../../test/factories';
import { TopicReader } from '../../test/topic-reader';
import { ingestFixture, provisionDevice, startIngest } from './http-source.fixture';

/** The stack's local CA (`make env`: LOCAL_CA_FILE, LOCAL_CA_KEY_FILE), which signs device certificates. */
function localCa(): { caFile: string; caKeyFile: string } {
  const { LOCAL_CA_FILE: caFile, LOCAL_CA_KEY_FILE: caKeyFile } = process.env;
  if (!caFile || !caKeyFile) throw new Error('LOCAL_CA_FILE and LOCAL_CA_KEY_FILE are not set: run the tests with `eval "$(make -s env)"` after `make up`');
  return { caFile, caKeyFile };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** POSTs over HTTPS, trusting `ca`, presenting a client certificate when given. */
function post(url: string, body: unknown, tls: { ca: Buffer; cert?: string; key?: string }, authorization?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ...tls, headers: { 'content-type': 'application/json', ...(authorization && { authorization }) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('http-source over HTTPS', () => {
  it('takes a client certificate signed by the local CA as the device its common name names, and Basic without one', async () => {
    const ca = localCa();
    const dir = await mkdtemp(join(tmpdir(), 'fleetstream-http-source-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const server = await issueServerCertificate({ ...ca, commonName: 'localhost', altNames: ['IP:127.0.0.1', 'DNS:localhost'], days: 2 });
    await writeFile(join(dir, 'server.crt'), server.cert);
    await writeFile(join(dir, 'server.key'), server.key);
    const fixture = await ingestFixture({ tlsCertFile: join(dir, 'server.crt'), tlsKeyFile: join(dir, 'server.key'), tlsClientCaFile: ca.caFile });
    const { url } = await startIngest(fixture.options);
    const trust = { ca: await readFile(ca.caFile) };
    const reader = await TopicReader.start<Measurement>(fixture.options.measurementsTopic!);

    const certified = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'cert-only' });
    const revoked = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'revoked' });
    const password = await provisionDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'password' });
    await revokeDevice(fixture.registry, { tenant: 'acme', site: 'p1', device: 'revoked' });
    const certificateOf = (commonName: string) => issueClientCertificate({ ...ca, commonName, days: 2 });
    const foreignCa = await makeTestCa(await mkdtemp(join(dir, 'foreign-ca-')));
    const foreign = await issueClientCertificate({ caFile: foreignCa.caFile, caKeyFile: foreignCa.caKeyFile, commonName: certified.credentials.username, days: 2 });
    const reading = { metric: 'signal', value: -71 };

    expect(await post(url, reading, { ...trust, ...(await certificateOf(certified.credentials.username)) })).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await post(url, reading, trust, password.authorization)).toMatchObject({ status: 202 });
    const keys = (await reader.waitFor(2)).map((r) => r.key).sort();
    expect(keys).toEqual(['/acme/p1/cert-only/signal', '/acme/p1/password/signal']);

    expect(await post(url, reading, trust)).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    const untrusted = await post(url, reading, { ...trust, ...foreign });
    expect(untrusted).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED', message: expect.stringContaining('client certificate was not accepted') } });
    expect(untrusted.headers['www-authenticate']).toMatch(/^Basic /);
    // a certificate the CA did not sign is no credential, but Basic beside it still is
    expect(await post(url, reading, { ...trust, ...foreign }, password.authorization)).toMatchObject({ status: 202 });
    expect(await post(url, reading, { ...trust, ...(await certificateOf('acme/p1/unknown')) })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    expect(await post(url, reading, { ...trust, ...(await certificateOf(revoked.credentials.username)) })).toMatchObject({ status: 403, body: { code: 'DEVICE_FORBIDDEN' } });
  });
});
