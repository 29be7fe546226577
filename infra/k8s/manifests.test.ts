import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { components, componentNamed } from '../../bin/components';
import { buildProgram } from '../../bin/program';
import { connectionSettingsSchema, connectionVariables, describeOptions, kafkaConnectionOptions, readComponentOptions, registryConnectionOptions } from '../../lib/config';

/**
 * Offline checks of the Kubernetes manifests (no cluster, no kustomize needed):
 * they parse, kustomization.yaml lists them all, every workload runs a real
 * `fleetstream` command, probes, ports and metrics annotations agree with the
 * table of components (bin/components.ts), and every option can be set.
 */

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string };
  };
}
interface Probe { httpGet?: { path: string; port: string | number }; tcpSocket?: { port: string | number } }
interface Container {
  name: string;
  image: string;
  /** `Always` on an init container: a sidecar, running beside the others */
  restartPolicy?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  configMap?: { name: string };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  emptyDir?: Record<string, unknown>;
  /** not Kubernetes': a StatefulSet's volumeClaimTemplates entry, as a volume of its pods */
  claimTemplate?: boolean;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  volumes?: Volume[];
}
interface PodTemplate { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec }
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    template?: PodTemplate;
    jobTemplate?: { spec: { template: PodTemplate } };
    selector?: { matchLabels?: Record<string, string> };
    ports?: { name?: string; port: number; targetPort?: string | number }[];
    serviceName?: string;
    replicas?: number;
    volumeClaimTemplates?: { metadata: { name: string } }[];
    maxUnavailable?: number | string;
    minAvailable?: number | string;
  };
}
interface Kustomization {
  namespace: string;
  resources: string[];
  images: { name: string; newName?: string; newTag?: string; digest?: string }[];
  configMapGenerator: { name: string; envs?: string[]; files?: string[] }[];
}

const folder = __dirname;

function parseFile(file: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(join(folder, file), 'utf8'));
  if (!Array.isArray(documents)) return []; // an empty stream (a file of comments only)
  for (const document of documents) {
    const problems = [...document.errors, ...document.warnings].map((p) => p.message);
    if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  }
  return documents.map((document) => document.toJS() as unknown).filter((value) => value !== null);
}

/** Runnable `fleetstream` commands (`topics apply`, `rollups`, ...) with the flags each declares. */
function cliCommands(program: Command): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  const walk = (command: Command, prefix: string[]): void => {
    for (const sub of command.commands) {
      const words = [...prefix, sub.name()];
      // a component runs with no subcommand too (`alerts`, beside `alerts apply`)
      if (sub.commands.length === 0 || components.some((c) => c.name === words.join(' '))) commands.set(words.join(' '), sub.options.map((o) => o.long!).filter(Boolean));
      if (sub.commands.length > 0) walk(sub, words);
    }
  };
  walk(program, []);
  commands.delete('help');
  return commands;
}

/** `KEY=value` lines of an env file; commented-out lines are options left at their default. */
function envFileEntries(file: string): { set: Record<string, string>; named: string[] } {
  const set: Record<string, string> = {};
  const named: string[] = [];
  for (const line of readFileSync(join(folder, file), 'utf8').split('\n')) {
    const match = /^(# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    named.push(match[2]!);
    if (!match[1]) set[match[2]!] = match[3]!;
  }
  return { set, named };
}

/** The command words of a container's args (`["topics", "apply", "--partitions", "12"]` -> `topics apply`). */
function commandOf(args: string[]): string {
  const words: string[] = [];
  for (const arg of args) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  return words.join(' ');
}

const kustomization = parseFile('kustomization.yaml')[0] as Kustomization;
const objects = kustomization.resources.flatMap((file) => parseFile(file).map((o) => ({ file, object: o as K8sObject })));
const byKind = (kind: string): K8sObject[] => objects.map((o) => o.object).filter((o) => o.kind === kind);
const find = (kind: string, name: string): K8sObject | undefined => byKind(kind).find((o) => o.metadata.name === name);
const podTemplates = objects.flatMap(({ object }) => {
  const template = object.spec?.template ?? object.spec?.jobTemplate?.spec.template;
  return template && object.kind !== 'Service' ? [{ owner: `${object.kind}/${object.metadata.name}`, template }] : [];
});
const containers = podTemplates.flatMap(({ owner, template }) => [...(template.spec.initContainers ?? []), ...template.spec.containers].map((container) => ({ owner, container })));
/** The containers of a pod that run as long as it does: its containers and its sidecars. */
const runningContainers = (spec: PodSpec): Container[] => [...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...spec.containers];
const workloads = (): K8sObject[] => [...byKind('Deployment'), ...byKind('StatefulSet')];
const env = (container: Container, name: string): EnvVar | undefined => container.env?.find((e) => e.name === name);
const exampleSecrets = parseFile('secrets.example.yaml') as K8sObject[];

const commands = cliCommands(buildProgram());
/** The components infra/k8s runs; the local-only ones (the scheduler) have CronJobs instead. */
const deployed = components.filter((c) => !c.localOnly);
const opsPorts = new Map(deployed.map((c) => [c.name, c.opsPort]));

describe('the CLI the checks read', () => {
  it('has leaf commands, nested ones with their group, and no bare group', () => {
    for (const name of ['mqtt-source', 'rollups', 'timescale-sink', 'redis-sink', 'query-api', 'http-source', 'migrate', 'topics apply', 'hierarchy publish']) expect(commands.has(name)).toBe(true);
    expect(commands.has('topics')).toBe(false);
    expect(commands.get('topics apply')).toEqual(['--partitions', '--replication-factor']);
  });
});

describe('infra/k8s manifests', () => {
  it('parse, every one of them, templates included', () => {
    const files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(() => parseFile(file)).not.toThrow();
    for (const { file, object } of objects) {
      expect({ file, apiVersion: typeof object.apiVersion, kind: typeof object.kind, name: typeof object.metadata?.name })
        .toEqual({ file, apiVersion: 'string', kind: 'string', name: 'string' });
    }
  });

  it('are all listed in kustomization.yaml, except the *.example.yaml templates, and nothing else is', () => {
    const manifests = readdirSync(folder).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && !f.endsWith('.example.yaml'));
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
  });

  it('pin the fleetstream image in one place: kustomization images, referenced bare everywhere', () => {
    const pins = kustomization.images.filter((i) => i.name === 'fleetstream');
    expect(pins).toHaveLength(1);
    expect(pins[0]!.newTag ?? pins[0]!.digest).toMatch(/^\d+\.\d+\.\d+|^sha256:/);
    for (const { owner, container } of containers) {
      expect({ owner, image: container.image }).toEqual({ owner, image: container.image.split(/[:@]/)[0] });
      expect(kustomization.images.map((i) => i.name)).toContain(container.image);
    }
    expect(containers.filter(({ container }) => container.image === 'fleetstream').length).toBeGreaterThanOrEqual(7);
  });

  it('run real fleetstream commands, with flags the CLI declares', () => {
    const fleetstream = containers.filter(({ container }) => container.image === 'fleetstream');
    for (const { owner, container } of fleetstream) {
      expect({ owner, command: container.command }).toEqual({ owner, command: undefined }); // the image's ENTRYPOINT
      const args = container.args ?? [];
      expect({ owner, command: commands.has(commandOf(args)) ? commandOf(args) : `not a fleetstream command: "${commandOf(args)}"` })
        .toEqual({ owner, command: commandOf(args) });
      for (const flag of args.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]!)) {
        expect({ owner, flag, declared: commands.get(commandOf(args))!.includes(flag) }).toEqual({ owner, flag, declared: true });
      }
    }
  });

  it('run each long-running component once, probed and scraped on its ops port', () => {
    const running = workloads().flatMap((w) => runningContainers(w.spec!.template!.spec).filter((c) => c.image === 'fleetstream').map((container) => ({ template: w.spec!.template!, container })));
    expect(running.map(({ container }) => commandOf(container.args ?? [])).sort()).toEqual([...opsPorts.keys()].sort());
    for (const { template, container } of running) {
      const component = commandOf(container.args ?? []);
      const port = opsPorts.get(component)!;
      const ops = container.ports?.find((p) => p.name === 'ops');
      const probePort = (probe: Probe | undefined): unknown => (probe?.httpGet?.port === 'ops' ? ops?.containerPort : probe?.httpGet?.port);
      expect({
        component,
        containerPort: ops?.containerPort,
        OPS_PORT: env(container, 'OPS_PORT')?.value,
        liveness: [container.livenessProbe?.httpGet?.path, probePort(container.livenessProbe)],
        readiness: [container.readinessProbe?.httpGet?.path, probePort(container.readinessProbe)],
        startup: [container.startupProbe?.httpGet?.path, probePort(container.startupProbe)],
        scrape: template.metadata?.annotations?.['prometheus.io/scrape'],
        scrapePort: template.metadata?.annotations?.['prometheus.io/port'],
      }).toEqual({
        component,
        containerPort: port,
        OPS_PORT: String(port),
        liveness: ['/healthz', port],
        readiness: ['/readyz', port],
        startup: ['/healthz', port],
        scrape: 'true',
        scrapePort: String(port),
      });
    }
  });

  it('give every long-running workload resources, a grace period above the 15 s shutdown bound and a disruption budget', () => {
    const shutdownBoundSeconds = 15; // lib/shutdown.ts default
    const budgets = byKind('PodDisruptionBudget');
    for (const workload of workloads()) {
      const { spec } = workload.spec!.template!;
      for (const { name, resources } of runningContainers(spec)) {
        expect({ workload: workload.metadata.name, name, requests: Object.keys(resources?.requests ?? {}).sort(), limits: Object.keys(resources?.limits ?? {}).sort() })
          .toEqual({ workload: workload.metadata.name, name, requests: ['cpu', 'memory'], limits: ['cpu', 'memory'] });
      }
      expect(spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(shutdownBoundSeconds);
      const labels = workload.spec!.template!.metadata!.labels!;
      const budget = budgets.find((b) => Object.entries(b.spec!.selector!.matchLabels!).every(([k, v]) => labels[k] === v));
      expect({ name: workload.metadata.name, budget: budget?.spec?.maxUnavailable ?? budget?.spec?.minAvailable }).toEqual({ name: workload.metadata.name, budget: 1 });
    }
  });

  it('keep MQTT client ids and transactional ids stable per replica: StatefulSets named from the pod', () => {
    const source = find('StatefulSet', 'mqtt-source')!;
    const sourceContainer = source.spec!.template!.spec.containers[0]!;
    expect(env(sourceContainer, 'POD_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    expect(env(sourceContainer, 'MQTT_SOURCE_CLIENT_ID_PREFIX')?.value).toMatch(/\$\(POD_NAME\)/);
    // a $(VAR) reference only expands to a variable defined before it
    const names = sourceContainer.env!.map((e) => e.name);
    expect(names.indexOf('POD_NAME')).toBeLessThan(names.indexOf('MQTT_SOURCE_CLIENT_ID_PREFIX'));
    const rollups = find('StatefulSet', 'rollups')!;
    expect(env(rollups.spec!.template!.spec.containers[0]!, 'ROLLUPS_INSTANCE_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    const commands = find('StatefulSet', 'commands')!;
    expect(env(commands.spec!.template!.spec.containers[0]!, 'COMMANDS_INSTANCE_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
    for (const set of byKind('StatefulSet')) expect(find('Service', set.spec!.serviceName!)).toBeDefined();
  });

  it('let every option of every component be set: an env file each, naming every option, valid, read whole by its workloads', () => {
    for (const component of deployed) {
      const file = `config/${component.name}.env`;
      expect(kustomization.configMapGenerator.find((g) => g.name === `fleetstream-${component.name}`)?.envs).toEqual([file]);
      const { set, named } = envFileEntries(file);
      const own = describeOptions(component.options, component.envPrefix).filter((d) => d.env.startsWith(component.envPrefix) && !d.secret);
      expect({ file, named }).toEqual({ file, named: own.map((d) => d.env) });
      expect(() => readComponentOptions(component.options, component, { ...set, QUERY_API_TOKENS: 'a-token-of-16-chars:acme' })).not.toThrow();
    }
    for (const { owner, container } of containers.filter(({ container }) => container.image === 'fleetstream')) {
      const command = commandOf(container.args ?? []);
      const component = command === 'migrate' ? componentNamed('timescale-sink') : components.find((c) => c.name === command);
      if (!component) continue;
      const refs = (container.envFrom ?? []).flatMap((e) => (e.configMapRef ? [e.configMapRef.name] : []));
      expect({ owner, reads: refs.includes(`fleetstream-${component.name}`) }).toEqual({ owner, reads: true });
      const variables = new Set(describeOptions(component.options, component.envPrefix).map((d) => d.env));
      for (const e of container.env ?? []) {
        if (e.name.startsWith(component.envPrefix)) expect({ owner, variable: e.name, known: variables.has(e.name) }).toEqual({ owner, variable: e.name, known: true });
      }
    }
  });

  it('hold the connection variables in one ConfigMap, with the security options that are no secret, DATABASE_URL without a password', () => {
    const config = find('ConfigMap', 'fleetstream-connections')!;
    const keys = Object.keys(config.data!);
    expect(keys.filter((key) => connectionVariables.includes(key)).sort()).toEqual([...connectionVariables].sort());
    const security = describeOptions(connectionSettingsSchema, '').filter((d) => !connectionVariables.includes(d.env));
    expect(keys.filter((key) => !connectionVariables.includes(key)).map((key) => ({ key, security: security.find((d) => d.env === key)?.secret === false })))
      .toEqual(keys.filter((key) => !connectionVariables.includes(key)).map((key) => ({ key, security: true })));
    expect(() => readComponentOptions(connectionSettingsSchema, { name: 'connections.yaml', envPrefix: '' }, config.data)).not.toThrow();
    expect(new URL(config.data!.DATABASE_URL!).password).toBe('');
    // the broker reads no environment: its configuration is a file (see the broker's checks below)
    for (const { owner, container } of containers.filter(({ container }) => container.image !== 'fleetstream-broker')) {
      const refs = [...(container.envFrom ?? []).flatMap((e) => (e.configMapRef ? [e.configMapRef.name] : [])),
        ...(container.env ?? []).flatMap((e) => (e.valueFrom?.configMapKeyRef ? [e.valueFrom.configMapKeyRef.name] : []))];
      expect({ owner, connections: refs.includes('fleetstream-connections'), others: refs.filter((r) => r !== 'fleetstream-connections' && !r.startsWith('fleetstream-')) })
        .toEqual({ owner, connections: true, others: [] });
    }
  });

  it('read secrets only from the Secrets the template documents; every database client gets PGPASSWORD', () => {
    for (const { owner, container } of containers) {
      for (const e of container.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const secret = exampleSecrets.find((s) => s.kind === 'Secret' && s.metadata.name === ref.name);
        expect({ owner, ref, documented: Object.keys(secret?.stringData ?? {}).includes(ref.key) || ref.optional === true })
          .toEqual({ owner, ref, documented: true });
      }
    }
    for (const { owner, template } of podTemplates) {
      for (const volume of (template.spec.volumes ?? []).filter((v) => v.secret)) {
        const documented = Object.keys(exampleSecrets.find((s) => s.kind === 'Secret' && s.metadata.name === volume.secret!.secretName)?.stringData ?? {});
        const keys = volume.secret!.items?.map((item) => item.key) ?? documented;
        expect({ owner, volume: volume.name, keys: keys.length > 0, undocumented: keys.filter((k) => !documented.includes(k)) }).toEqual({ owner, volume: volume.name, keys: true, undocumented: [] });
      }
    }
    // the components with a DATABASE_URL option, migrate, the hierarchy job, and the backup
    const databaseCommands = ['migrate', 'hierarchy publish', ...deployed.filter((c) => 'databaseUrl' in c.options.shape).map((c) => c.name)];
    expect(databaseCommands.sort()).toEqual(['alerts', 'automations', 'broker-auth-sync', 'configuration', 'handlers', 'hierarchy publish', 'http-source', 'migrate', 'mqtt-republisher', 'notifications', 'query-api', 'rollups', 'timescale-sink', 'webhooks']);
    const databaseClients = containers.filter(({ container }) => databaseCommands.includes(commandOf(container.args ?? [])) || container.image === 'postgres');
    expect(databaseClients).toHaveLength(databaseCommands.length + 1);
    for (const { owner, container } of databaseClients) {
      expect({ owner, from: env(container, 'PGPASSWORD')?.valueFrom?.secretKeyRef?.name }).toEqual({ owner, from: 'fleetstream-database' });
    }
  });

  it('reach the secured Kafka and registry, passwords from Secrets, and every CA file the ConfigMap names mounted from a Secret', () => {
    const connections = find('ConfigMap', 'fleetstream-connections')!.data!;
    // `topics apply` talks to Kafka and the registry only
    const topicsApply = z.strictObject({ ...kafkaConnectionOptions, ...registryConnectionOptions });
    const optionsOf = (command: string) => (command === 'topics apply' ? topicsApply : components.find((c) => c.name === command)?.options);
    const clients = containers.filter(({ container }) => container.image === 'fleetstream' && optionsOf(commandOf(container.args ?? [])));
    const kafkaClients = clients.filter(({ container }) => 'kafkaSaslPassword' in optionsOf(commandOf(container.args ?? []))!.shape);
    expect(kafkaClients.map(({ container }) => commandOf(container.args ?? [])).sort()).toEqual(['alerts', 'automations', 'commands', 'configuration', 'handlers', 'http-source', 'mqtt-downlink', 'mqtt-republisher', 'mqtt-source', 'notifications', 'query-api', 'redis-sink', 'rollups', 'shadow', 'timescale-sink', 'topics apply', 'webhooks']);
    const secretOf = (container: Container, name: string) => env(container, name)?.valueFrom?.secretKeyRef?.name;
    for (const { owner, container } of kafkaClients) {
      expect({ owner, kafka: secretOf(container, 'KAFKA_SASL_PASSWORD'), registry: secretOf(container, 'SCHEMA_REGISTRY_PASSWORD') })
        .toEqual({ owner, kafka: 'fleetstream-kafka', registry: 'fleetstream-schema-registry' });
    }

    // every file a client reads through the ConfigMap is in a Secret it mounts, under the key the path names
    for (const { owner, container } of clients) {
      const template = podTemplates.find((t) => t.owner === owner)!.template;
      const reads = describeOptions(optionsOf(commandOf(container.args ?? []))!, '').map((d) => d.env).filter((name) => name.endsWith('_FILE') && connections[name] !== undefined);
      for (const variable of reads) {
        const file = connections[variable]!;
        const mount = (container.volumeMounts ?? []).find((m) => file.startsWith(`${m.mountPath}/`));
        const volume = template.spec.volumes?.find((v) => v.name === mount?.name)?.secret;
        const inside = mount && file.slice(mount.mountPath.length + 1);
        const key = volume?.items ? volume.items.find((item) => item.path === inside)?.key : inside;
        const secret = exampleSecrets.find((s) => s.metadata.name === volume?.secretName);
        expect({ owner, variable, mounted: mount?.mountPath, inSecret: key !== undefined && key in (secret?.stringData ?? {}) })
          .toEqual({ owner, variable, mounted: file.slice(0, file.lastIndexOf('/')), inSecret: true });
      }
    }
  });

  it('serve each HTTP component through its Service on its <PREFIX>PORT, the port of the table of components', () => {
    const served = components.filter((c) => c.servicePorts?.http !== undefined);
    expect(served.map((c) => c.name).sort()).toEqual(['http-source', 'query-api']);
    for (const component of served) {
      const container = find('Deployment', component.name)!.spec!.template!.spec.containers[0]!;
      const target = find('Service', component.name)!.spec!.ports![0]!.targetPort;
      const port = container.ports!.find((p) => p.name === target || p.containerPort === target)!.containerPort;
      expect({ component: component.name, port: String(port), env: envFileEntries(`config/${component.name}.env`).set[`${component.envPrefix}PORT`] })
        .toEqual({ component: component.name, port: String(component.servicePorts!.http), env: String(component.servicePorts!.http) });
    }
  });

  it('give the query API its tokens from the Secret', () => {
    const container = find('Deployment', 'query-api')!.spec!.template!.spec.containers[0]!;
    expect(env(container, 'QUERY_API_TOKENS')?.valueFrom?.secretKeyRef?.name).toBe('fleetstream-query-api');
  });

  it('back the database up nightly to a PersistentVolumeClaim of this kustomization', () => {
    const cron = find('CronJob', 'pg-dump')!;
    const { spec } = cron.spec!.jobTemplate!.spec.template;
    expect(spec.containers[0]!.image).toBe('postgres');
    expect((spec.containers[0]!.args ?? []).join('\n')).toMatch(/pg_dump /);
    const claim = spec.volumes!.find((v) => v.persistentVolumeClaim)!.persistentVolumeClaim!.claimName;
    expect(find('PersistentVolumeClaim', claim)).toBeDefined();
    expect((cron.spec as unknown as { schedule: string }).schedule).toMatch(/^\d+ \d+ \* \* \*$/);
  });

  it('publish the device hierarchy every 6 hours, one run at a time, to the Redis keys the sink and the query API use', () => {
    const cron = find('CronJob', 'device-hierarchy-publish')!;
    const spec = cron.spec as unknown as { schedule: string; concurrencyPolicy: string };
    expect([spec.schedule, spec.concurrencyPolicy]).toEqual(['0 */6 * * *', 'Forbid']);
    // the local stack's scheduler runs it on the same schedule
    expect((componentNamed('scheduler').options.parse({}) as { hierarchySchedule: string }).hierarchySchedule).toBe(spec.schedule);
    const container = cron.spec!.jobTemplate!.spec.template.spec.containers[0]!;
    const args = container.args ?? [];
    expect(commandOf(args)).toBe('hierarchy publish');
    const keyPrefix = args[args.indexOf('--key-prefix') + 1];
    expect(keyPrefix).toBe(envFileEntries('config/redis-sink.env').set.REDIS_SINK_KEY_PREFIX);
    expect(keyPrefix).toBe(envFileEntries('config/query-api.env').set.QUERY_API_KEY_PREFIX);
  });
});

/** A mosquitto.conf's settings in order, comments left out; `listener` starts a listener's own. */
function mosquittoSettings(text: string): { key: string; value: string; listener?: number }[] {
  let listener: number | undefined;
  return text.split('\n').flatMap((line) => {
    const match = /^([a-z_]+)\s+(.*?)\s*$/.exec(line);
    if (!match) return [];
    const [, key, value] = match as unknown as [string, string, string];
    if (key === 'listener') listener = Number(value.split(/\s+/)[0]);
    return [{ key, value, listener }];
  });
}

/** `4Gi`, `512Mi`, `1G`: bytes. */
function quantityBytes(quantity: string): number {
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 };
  const [, number, unit] = /^(\d+(?:\.\d+)?)([KMG]i?)?$/.exec(quantity)!;
  return Number(number) * (unit ? units[unit]! : 1);
}

describe('the broker (mosquitto.yaml, broker/mosquitto.conf, broker/Dockerfile)', () => {
  const brokerSet = find('StatefulSet', 'mosquitto')!;
  const pod = brokerSet.spec!.template!.spec;
  const broker = pod.containers.find((c) => c.image === 'fleetstream-broker')!;
  const sidecar = (pod.initContainers ?? []).find((c) => commandOf(c.args ?? []) === 'broker-auth-sync')!;
  const configFiles = new Map((kustomization.configMapGenerator.find((g) => g.name === 'fleetstream-broker')?.files ?? []).map((file) => [basename(file), readFileSync(join(folder, file), 'utf8')]));
  const settings = mosquittoSettings(configFiles.get('mosquitto.conf') ?? '');
  const setting = (key: string): string | undefined => settings.find((s) => s.key === key && s.listener === undefined)?.value;
  const dockerfile = readFileSync(join(folder, '..', '..', 'broker', 'Dockerfile'), 'utf8');
  const sidecarOption = (name: string) => env(sidecar, name)?.value ?? envFileEntries('config/broker-auth-sync.env').set[name];
  const documentedKeys = (secret: string) => Object.keys(exampleSecrets.find((s) => s.metadata.name === secret)?.stringData ?? {});

  /** The volume of its workload's pods a container sees `path` in, and the path inside that volume. */
  function volumeAt(container: Container, path: string, workload = brokerSet): { volume: string; from: string; inside: string } | undefined {
    const mount = (container.volumeMounts ?? []).filter((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
    if (!mount) return undefined;
    const claims: Volume[] = (workload.spec!.volumeClaimTemplates ?? []).map((t) => ({ name: t.metadata.name, claimTemplate: true }));
    const volume = [...(workload.spec!.template!.spec.volumes ?? []), ...claims].find((v) => v.name === mount.name)!;
    const from = volume.configMap ? `configMap ${volume.configMap.name}` : volume.secret ? `secret ${volume.secret.secretName}` : volume.emptyDir ? 'emptyDir' : volume.claimTemplate ? 'claim template' : 'other';
    return { volume: volume.name, from, inside: path.slice(mount.mountPath.replace(/\/$/, '').length + 1) };
  }

  it('runs one Mosquitto of the broker image, as the image runs it, with the ConfigMap of broker/ as its configuration', () => {
    expect(brokerSet.spec!.replicas).toBe(1);
    expect(kustomization.images.map((i) => i.name)).toContain('fleetstream-broker');
    expect(/^ENTRYPOINT \["mosquitto"\]$/m.test(dockerfile)).toBe(true);
    expect(broker.command).toBeUndefined();
    const [flag, configFile] = broker.args ?? [];
    expect(flag).toBe('-c');
    expect(volumeAt(broker, configFile!)).toEqual({ volume: 'config', from: 'configMap fleetstream-broker', inside: 'mosquitto.conf' });
    expect([...configFiles.keys()].sort()).toEqual(['access.rules', 'mosquitto.conf']);
    expect({ anonymous: setting('allow_anonymous'), perListener: setting('per_listener_settings'), persistence: setting('persistence') }).toEqual({ anonymous: 'false', perListener: 'false', persistence: 'true' });
  });

  it("loads the plugin the image builds, with the auth and rules files the sidecar writes (the ConfigMap's rules, then the readers'), on a volume they share", () => {
    const installed = /^COPY --from=build \S+\/fleetstream_auth\.so (\S+)$/m.exec(dockerfile)?.[1];
    expect(setting('plugin')).toBe(installed);
    expect(volumeAt(broker, setting('plugin_opt_rules_file')!)).toEqual({ volume: 'auth', from: 'emptyDir', inside: 'access.rules' });
    expect(volumeAt(sidecar, sidecarOption('BROKER_AUTH_SYNC_RULES_FILE')!)).toEqual({ volume: 'auth', from: 'emptyDir', inside: 'access.rules' });
    expect(volumeAt(sidecar, sidecarOption('BROKER_AUTH_SYNC_SERVICE_RULES_FILE')!)).toEqual({ volume: 'config', from: 'configMap fleetstream-broker', inside: 'access.rules' });
    const read = volumeAt(broker, setting('plugin_opt_auth_file')!);
    const written = volumeAt(sidecar, sidecarOption('BROKER_AUTH_SYNC_AUTH_FILE')!);
    expect(read).toEqual({ volume: 'auth', from: 'emptyDir', inside: 'auth' });
    expect(written).toEqual(read);
    expect(sidecar.volumeMounts!.find((m) => m.name === 'auth')!.readOnly).toBeFalsy();
    expect(volumeAt(sidecar, sidecarOption('BROKER_AUTH_SYNC_SERVICE_ACCOUNTS_FILE')!)).toEqual({ volume: 'service-accounts', from: 'secret fleetstream-broker-accounts', inside: 'service-accounts' });
    expect(documentedKeys('fleetstream-broker-accounts')).toEqual(['service-accounts']);
  });

  it('starts the sidecar first and waits for its first write: a native sidecar with a startup probe', () => {
    expect(sidecar.restartPolicy).toBe('Always');
    expect(sidecar.startupProbe?.httpGet?.path).toBe('/healthz');
    expect(pod.containers.map((c) => c.image)).toEqual(['fleetstream-broker']);
  });

  it('serves TLS from the Secret, persists on its claim, and listens where the container and the Services say', () => {
    const tlsFiles = settings.filter((s) => ['cafile', 'certfile', 'keyfile'].includes(s.key));
    expect(tlsFiles.length).toBeGreaterThanOrEqual(4);
    for (const { value } of tlsFiles) expect(volumeAt(broker, value)).toEqual({ volume: 'certs', from: 'secret fleetstream-broker-tls', inside: expect.stringMatching(/^(tls\.crt|tls\.key|ca\.crt)$/) });
    expect(documentedKeys('fleetstream-broker-tls').sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    expect(volumeAt(broker, setting('persistence_location')!)).toEqual({ volume: 'data', from: 'claim template', inside: '' });

    const listeners = [...new Set(settings.flatMap((s) => (s.listener === undefined ? [] : [s.listener])))].sort();
    expect(broker.ports!.map((p) => p.containerPort).sort()).toEqual(listeners);
    for (const listener of listeners) expect(settings.filter((s) => s.listener === listener).map((s) => s.key)).toEqual(expect.arrayContaining(['certfile', 'keyfile']));
    const named = new Map([...broker.ports!, ...sidecar.ports!].map((p) => [p.name, p.containerPort]));
    const services = byKind('Service').filter((s) => (s.spec as unknown as { selector: Record<string, string> }).selector['app.kubernetes.io/name'] === 'mosquitto');
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['mosquitto', 'mosquitto-headless']);
    expect(brokerSet.spec!.serviceName).toBe('mosquitto-headless');
    for (const service of services) {
      for (const port of service.spec!.ports!) expect({ service: service.metadata.name, port: port.name, target: named.get(String(port.targetPort)) }).toEqual({ service: service.metadata.name, port: port.name, target: port.port });
    }
  });

  it.each([
    ['StatefulSet', 'mqtt-source'],
    ['Deployment', 'mqtt-downlink'],
    ['Deployment', 'mqtt-republisher'],
  ])("gets %s %s in over TLS to the client Service's password listener, with the account the rules file names, from Secrets", (kind, name) => {
    const sourceSet = find(kind, name)!;
    const source = sourceSet.spec!.template!.spec.containers[0]!;
    const connections = find('ConfigMap', 'fleetstream-connections')!.data!;
    // connections.yaml's broker, without an account: mqtt-source takes its own as MQTT_USERNAME and MQTT_PASSWORD
    expect(env(source, 'MQTT_URL')).toBeUndefined();
    const url = new URL(connections.MQTT_URL!);
    const passwordListener = [...new Set(settings.flatMap((s) => (s.listener === undefined ? [] : [s.listener])))].find((port) => !settings.some((s) => s.listener === port && s.key === 'require_certificate'));
    expect({ protocol: url.protocol, host: url.hostname, port: Number(url.port), username: url.username })
      .toEqual({ protocol: 'mqtts:', host: `mosquitto.${kustomization.namespace}.svc`, port: passwordListener, username: '' });
    expect(find('Service', 'mosquitto')!.spec!.ports!.map((p) => p.port)).toContain(passwordListener);
    for (const variable of ['MQTT_USERNAME', 'MQTT_PASSWORD']) {
      expect(env(source, variable)?.valueFrom?.secretKeyRef).toEqual({ name: `fleetstream-${name}`, key: variable });
    }
    const account = exampleSecrets.find((s) => s.metadata.name === `fleetstream-${name}`)!.stringData!.MQTT_USERNAME;
    expect(account).toBe(`fleetstream-${name}`);
    // its hash is among the service accounts the sidecar writes into the auth file
    expect(exampleSecrets.find((s) => s.metadata.name === 'fleetstream-broker-accounts')!.stringData!['service-accounts']).toMatch(new RegExp(`^${account}:`, 'm'));
    expect(mosquittoSettings(configFiles.get('access.rules')!).filter((s) => s.key === 'service').map((s) => s.value.split(' ')[0])).toEqual(expect.arrayContaining([account]));
    expect(volumeAt(source, connections.MQTT_CA_FILE!, sourceSet)).toEqual({ volume: 'broker-ca', from: 'secret fleetstream-broker-tls', inside: 'ca.crt' });
    // the CA, not the broker's key
    const caVolume = sourceSet.spec!.template!.spec.volumes!.find((v) => v.name === 'broker-ca')!;
    expect(caVolume.secret!.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
  });

  it("queues 10 minutes of the connector's catch-up within the broker's memory limit, and refuses packets over 1 MiB", () => {
    const replicas = find('StatefulSet', 'mqtt-source')!.spec!.replicas!;
    const sourceOptions = envFileEntries('config/mqtt-source.env').set;
    const sessions = replicas * Number(sourceOptions.MQTT_SOURCE_CONNECTIONS);
    const queued = Number(setting('max_queued_messages'));
    const queuedBytes = Number(setting('max_queued_bytes'));
    // the target broker/mosquitto.conf sizes for: 10 minutes at 20,000 readings/s, 3 readings a message
    expect(sessions * queued).toBeGreaterThanOrEqual((600 * 20_000) / 3);
    // measured on Mosquitto 2.0.11: a queued message takes its payload plus 357 bytes; a TLS connection 18 KB
    const fullQueues = sessions * (queued * 357 + queuedBytes);
    const limit = quantityBytes(broker.resources!.limits!.memory!);
    expect(fullQueues + 10_000 * 18_000).toBeLessThan(limit);
    expect(broker.resources!.requests!.memory).toBe(broker.resources!.limits!.memory);
    // a 256 MB publish is refused at its header; the connector's own payload limits stay reachable below it, and the downlink's
    const maxPacket = Number(setting('max_packet_size'));
    expect(maxPacket).toBeLessThanOrEqual(2 ** 20);
    expect(maxPacket).toBeGreaterThan(Number(sourceOptions.MQTT_SOURCE_MAX_PAYLOAD_BYTES));
    expect(maxPacket).toBeGreaterThan(Number(sourceOptions.MQTT_SOURCE_MAX_DEVICE_MESSAGE_BYTES));
    // a publish over it would drop the downlink's connection, again at every retry
    expect(maxPacket).toBeGreaterThan(Number(envFileEntries('config/mqtt-downlink.env').set.MQTT_DOWNLINK_MAX_PAYLOAD_BYTES) + 1024);
  });
});
