import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { components, componentNamed } from '../../bin/components';
import { buildProgram } from '../../bin/program';
import { connectionVariables, describeOptions, readComponentOptions } from '../../lib/config';

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
interface Probe { httpGet?: { path: string; port: string | number } }
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string } }[];
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
    maxUnavailable?: number | string;
    minAvailable?: number | string;
  };
}
interface Kustomization { resources: string[]; images: { name: string; newName?: string; newTag?: string; digest?: string }[] }

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
      if (sub.commands.length > 0) walk(sub, words);
      else commands.set(words.join(' '), sub.options.map((o) => o.long!).filter(Boolean));
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
const containers = podTemplates.flatMap(({ owner, template }) => template.spec.containers.map((container) => ({ owner, container })));
const env = (container: Container, name: string): EnvVar | undefined => container.env?.find((e) => e.name === name);
const exampleSecrets = parseFile('secrets.example.yaml') as K8sObject[];

const commands = cliCommands(buildProgram());
/** The components infra/k8s runs; the local-only ones (the scheduler) have CronJobs instead. */
const deployed = components.filter((c) => !c.localOnly);
const opsPorts = new Map(deployed.map((c) => [c.name, c.opsPort]));

describe('the CLI the checks read', () => {
  it('has leaf commands, nested ones with their group, and no bare group', () => {
    for (const name of ['mqtt-source', 'rollups', 'timescale-sink', 'redis-sink', 'query-api', 'migrate', 'topics apply', 'hierarchy publish']) expect(commands.has(name)).toBe(true);
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
    const workloads = [...byKind('Deployment'), ...byKind('StatefulSet')];
    const commandsRun = workloads.map((w) => commandOf(w.spec!.template!.spec.containers[0]!.args ?? []));
    expect(commandsRun.sort()).toEqual([...opsPorts.keys()].sort());
    for (const workload of workloads) {
      const template = workload.spec!.template!;
      const container = template.spec.containers[0]!;
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
    for (const workload of [...byKind('Deployment'), ...byKind('StatefulSet')]) {
      const { spec } = workload.spec!.template!;
      const resources = spec.containers[0]!.resources;
      expect({ name: workload.metadata.name, requests: Object.keys(resources?.requests ?? {}).sort(), limits: Object.keys(resources?.limits ?? {}).sort() })
        .toEqual({ name: workload.metadata.name, requests: ['cpu', 'memory'], limits: ['cpu', 'memory'] });
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
    for (const set of byKind('StatefulSet')) expect(find('Service', set.spec!.serviceName!)).toBeDefined();
  });

  it('let every option of every component be set: an env file each, naming every option, valid, read whole by its workloads', () => {
    const generators = (kustomization as unknown as { configMapGenerator: { name: string; envs: string[] }[] }).configMapGenerator;
    for (const component of deployed) {
      const file = `config/${component.name}.env`;
      expect(generators.find((g) => g.name === `fleetstream-${component.name}`)?.envs).toEqual([file]);
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

  it('hold the connection variables in one ConfigMap, DATABASE_URL without a password', () => {
    const config = find('ConfigMap', 'fleetstream-connections')!;
    expect(Object.keys(config.data!).sort()).toEqual([...connectionVariables].sort());
    expect(new URL(config.data!.DATABASE_URL!).password).toBe('');
    for (const { owner, container } of containers) {
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
    // the components with a DATABASE_URL option, migrate, the hierarchy job, and the backup
    const databaseCommands = ['migrate', 'hierarchy publish', ...deployed.filter((c) => 'databaseUrl' in c.options.shape).map((c) => c.name)];
    expect(databaseCommands.sort()).toEqual(['hierarchy publish', 'migrate', 'query-api', 'rollups', 'timescale-sink']);
    const databaseClients = containers.filter(({ container }) => databaseCommands.includes(commandOf(container.args ?? [])) || container.image === 'postgres');
    expect(databaseClients).toHaveLength(databaseCommands.length + 1);
    for (const { owner, container } of databaseClients) {
      expect({ owner, from: env(container, 'PGPASSWORD')?.valueFrom?.secretKeyRef?.name }).toEqual({ owner, from: 'fleetstream-database' });
    }
  });

  it('serve the query API through its Service on QUERY_API_PORT, tokens from the Secret', () => {
    const container = find('Deployment', 'query-api')!.spec!.template!.spec.containers[0]!;
    const service = find('Service', 'query-api')!;
    const target = service.spec!.ports![0]!.targetPort;
    const apiPort = container.ports!.find((p) => p.name === target || p.containerPort === target)!.containerPort;
    expect(String(apiPort)).toBe(envFileEntries('config/query-api.env').set.QUERY_API_PORT);
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
