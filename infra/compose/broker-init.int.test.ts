/**
 * compose's broker-init.sh, run here as the broker image runs it (its
 * directories moved to a temporary one): a CA and a server certificate for the
 * names compose's clients use, the connector's account with a hash of its
 * password, keys kept private, and nothing made again on a second run.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAuthFile } from '../../broker/auth-file';
import { hashMatches } from '../../broker/broker.fixture';
import { onCleanup } from '../../test/factories';

const run = promisify(execFile);

describe("compose's broker-init", () => {
  it('makes the TLS files and the service account once, the certificate valid for mosquitto and localhost, the hash of the password it keeps in credentials.env', async () => {
    const root = await mkdtemp(join(tmpdir(), 'broker-init-'));
    onCleanup(() => rm(root, { recursive: true, force: true }));
    const dirs = { BROKER_CERTS_DIR: join(root, 'certs'), BROKER_ACCOUNTS_DIR: join(root, 'accounts'), BROKER_CA_DIR: join(root, 'ca'), BROKER_AUTH_DIR: join(root, 'auth') };
    await Promise.all(Object.values(dirs).map((dir) => mkdir(dir)));
    const init = () => run('sh', [join(__dirname, 'broker-init.sh')], { env: { ...process.env, ...dirs } });

    const first = await init();
    expect(first.stdout).toMatch(/made a CA and the broker's certificate[\s\S]*made the account fleetstream-mqtt-source/);
    const certs = (name: string) => join(dirs.BROKER_CERTS_DIR, name);
    await run('openssl', ['verify', '-CAfile', certs('ca.crt'), certs('tls.crt')]);
    const { stdout: names } = await run('openssl', ['x509', '-in', certs('tls.crt'), '-noout', '-ext', 'subjectAltName']);
    expect(names).toMatch(/DNS:mosquitto, DNS:localhost, IP Address:127\.0\.0\.1/);
    for (const key of [certs('tls.key'), join(dirs.BROKER_CA_DIR, 'ca.key')]) expect((await stat(key)).mode & 0o077).toBe(0);

    const credentials = Object.fromEntries([...(await readFile(join(dirs.BROKER_ACCOUNTS_DIR, 'credentials.env'), 'utf8')).matchAll(/^(\w+)=(.*)$/gm)].map(([, k, v]) => [k!, v!]));
    expect(credentials).toEqual({ MQTT_USERNAME: 'fleetstream-mqtt-source', MQTT_PASSWORD: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) });
    const accounts = parseAuthFile(await readFile(join(dirs.BROKER_ACCOUNTS_DIR, 'service-accounts'), 'utf8'));
    expect(accounts.map((a) => a.username)).toEqual(['fleetstream-mqtt-source']);
    expect(hashMatches(accounts[0]!.passwordHash, credentials.MQTT_PASSWORD!)).toBe(true);

    const before = await Promise.all([certs('tls.crt'), join(dirs.BROKER_ACCOUNTS_DIR, 'service-accounts')].map((file) => readFile(file, 'utf8')));
    expect((await init()).stdout).toBe('');
    expect(await Promise.all([certs('tls.crt'), join(dirs.BROKER_ACCOUNTS_DIR, 'service-accounts')].map((file) => readFile(file, 'utf8')))).toEqual(before);
  });
});
