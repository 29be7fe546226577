/**
 * A Mosquitto started from the project's plugin, as a child process of the
 * caller: the tests' own brokers and the broker benchmark. Its configuration
 * mirrors the stack's (infra/local/mosquitto.conf) in what the plugin sees.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { buildBrokerPlugin } from './broker-plugin';

export interface BrokerListener {
  port: number;
  /** TLS files; with `clientCertificates`, the listener takes a certificate's common name as the username */
  tls?: { caFile: string; certFile: string; keyFile: string; clientCertificates?: boolean };
}

export interface PluginBrokerOptions {
  /** holds the configuration and the log */
  dir: string;
  authFile: string;
  rulesFile: string;
  listeners: BrokerListener[];
  /** `anonymous`: no plugin and every client admitted, the reference a benchmark compares the plugin with (default `plugin`) */
  access?: 'plugin' | 'anonymous';
}

export interface PluginBroker {
  process: ChildProcess;
  /** The broker's log so far. */
  log(): Promise<string>;
  /** How many times the plugin has loaded the auth file so far. */
  authFileLoads(): Promise<number>;
  stop(): Promise<void>;
}

function configuration(plugin: string, options: PluginBrokerOptions): string {
  const listener = ({ port, tls }: BrokerListener) => [
    `listener ${port} 127.0.0.1`,
    ...(tls ? [`cafile ${tls.caFile}`, `certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`] : []),
    ...(tls?.clientCertificates ? ['require_certificate true', 'use_identity_as_username true'] : []),
  ];
  return [
    `user ${userInfo().username}`,
    `log_dest file ${join(options.dir, 'mosquitto.log')}`,
    ...['error', 'warning', 'notice', 'information'].map((type) => `log_type ${type}`),
    ...(options.access === 'anonymous'
      ? ['allow_anonymous true']
      : ['allow_anonymous false', `plugin ${plugin}`, `plugin_opt_auth_file ${options.authFile}`, `plugin_opt_rules_file ${options.rulesFile}`]),
    ...options.listeners.flatMap(listener),
    '',
  ].join('\n');
}

const loadedLine = /fleetstream-auth: loaded \d+ accounts/g;

/** Builds the plugin when needed, starts the broker and resolves once it runs; rejects with its log when it does not. */
export async function startPluginBroker(options: PluginBrokerOptions, timeoutMs = 10_000): Promise<PluginBroker> {
  const plugin = await buildBrokerPlugin();
  return startMosquitto(options.dir, configuration(plugin, options), timeoutMs);
}

/**
 * Starts Mosquitto on a configuration of the caller's (`dir/mosquitto.conf`), which must log to
 * `dir/mosquitto.log`, and resolves once it runs; rejects with its log when it does not.
 */
export async function startMosquitto(dir: string, configurationText: string, timeoutMs = 10_000): Promise<PluginBroker> {
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, configurationText);
  const child = spawn('mosquitto', ['-c', configFile], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => readFile(join(dir, 'mosquitto.log'), 'utf8').catch(() => '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + timeoutMs;
  while (!/mosquitto version \S+ running/.test(await log())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`mosquitto did not start (exit code ${child.exitCode}); its log:\n${await log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { process: child, log, authFileLoads: async () => (await log()).match(loadedLine)?.length ?? 0, stop };
}
