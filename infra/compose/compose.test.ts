import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/**
 * Offline checks of docker-compose.yml's broker (no Docker engine here): it is
 * the one infra/k8s deploys, from the same files, and its services hand each
 * other the files the configuration names through shared volumes.
 */

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[];
  entrypoint?: string[];
  env_file?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const folder = __dirname;
const compose = parse(readFileSync(join(folder, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const service = (name: string): Service => compose.services[name]!;
const k8sBroker = join(folder, '..', 'k8s', 'broker');
const conf = readFileSync(join(k8sBroker, 'mosquitto.conf'), 'utf8');
const setting = (key: string) => new RegExp(`^${key} (\\S+)$`, 'm').exec(conf)?.[1];
const syncOptions = Object.fromEntries([...readFileSync(join(folder, '..', 'k8s', 'config', 'broker-auth-sync.env'), 'utf8').matchAll(/^([A-Z_]+)=(.*)$/gm)].map(([, k, v]) => [k!, v!]));
const initScript = readFileSync(join(folder, 'broker-init.sh'), 'utf8');

/** What a service sees at `path`: the named volume or host file mounted there, and the path inside it. */
function mountAt(name: string, path: string): { source: string; inside: string } | undefined {
  const mounts = (service(name).volumes ?? []).map((v) => {
    const [source, target] = v.split(':') as [string, string];
    return { source: source.startsWith('.') ? resolve(folder, source) : source, target };
  });
  const mount = mounts.filter((m) => path === m.target || path.startsWith(`${m.target.replace(/\/$/, '')}/`)).sort((a, b) => b.target.length - a.target.length)[0];
  return mount && { source: mount.source, inside: path.slice(mount.target.replace(/\/$/, '').length + 1) };
}

describe('infra/compose: the broker', () => {
  it('runs the broker image with the configuration and rules infra/k8s deploys, at the paths the image and the sync read', () => {
    const dockerfile = readFileSync(join(folder, '..', '..', 'broker', 'Dockerfile'), 'utf8');
    const configFile = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(configFile[0]).toBe('-c');
    expect(mountAt('mosquitto', configFile[1]!)).toEqual({ source: join(k8sBroker, 'mosquitto.conf'), inside: '' });
    // the rules: infra/k8s's, which broker-auth-sync writes into the broker's rules file with the republish readers'
    expect(mountAt('broker-auth-sync', syncOptions.BROKER_AUTH_SYNC_SERVICE_RULES_FILE!)).toEqual({ source: join(k8sBroker, 'access.rules'), inside: '' });
    expect(mountAt('mosquitto', setting('plugin_opt_rules_file')!)).toEqual(mountAt('broker-auth-sync', syncOptions.BROKER_AUTH_SYNC_RULES_FILE!));
    for (const name of ['mosquitto', 'broker-init']) expect(resolve(folder, service(name).build!.context)).toBe(resolve(folder, '..', '..', 'broker'));
    expect(service('mosquitto').image).toBe(service('broker-init').image);
  });

  it('shares the auth file between broker-auth-sync (the env file of k8s) and the broker, and starts the broker after its first write', () => {
    expect(service('broker-auth-sync').env_file).toEqual(['../k8s/config/broker-auth-sync.env']);
    expect(service('broker-auth-sync').command).toEqual(['broker-auth-sync']);
    const written = mountAt('broker-auth-sync', syncOptions.BROKER_AUTH_SYNC_AUTH_FILE!);
    expect(written).toEqual({ source: 'broker-auth', inside: 'auth' });
    expect(mountAt('mosquitto', setting('plugin_opt_auth_file')!)).toEqual(written);
    expect(service('mosquitto').depends_on).toEqual({ 'broker-auth-sync': { condition: 'service_healthy' } });
    expect(service('broker-auth-sync').depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' }, 'broker-init': { condition: 'service_completed_successfully' } });
  });

  it("gets the certificates and the service accounts from broker-init's volumes, where the broker and the sync read them", () => {
    // the directory broker-init.sh writes to unless BROKER_*_DIR moves it
    const initDir = (variable: string) => new RegExp(`\\$\\{${variable}:-(\\S+?)\\}`).exec(initScript)![1]!;
    const certs = mountAt('broker-init', initDir('BROKER_CERTS_DIR'))!;
    const accounts = mountAt('broker-init', initDir('BROKER_ACCOUNTS_DIR'))!;
    for (const key of ['certfile', 'keyfile', 'cafile']) {
      const file = setting(key)!;
      expect(mountAt('mosquitto', file)).toEqual({ source: certs.source, inside: file.split('/').pop() });
      expect(initScript).toContain(`"$certs/${file.split('/').pop()}"`);
    }
    const serviceAccounts = mountAt('broker-auth-sync', syncOptions.BROKER_AUTH_SYNC_SERVICE_ACCOUNTS_FILE!)!;
    expect(serviceAccounts).toEqual({ source: accounts.source, inside: 'service-accounts' });
    expect(mountAt('broker-init', initDir('BROKER_AUTH_DIR'))!.source).toBe('broker-auth');
    expect(mountAt('mosquitto', setting('persistence_location')!)!.source).toBe('broker-data');
    for (const volume of ['broker-auth', 'broker-certs', 'broker-accounts', 'broker-data']) expect(Object.keys(compose.volumes)).toContain(volume);
    expect(existsSync(resolve(folder, service('broker-init').volumes![0]!.split(':')[0]!))).toBe(true);
  });
});
