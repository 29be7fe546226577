import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from './logger';
import { z } from 'zod';
import { SecurityOptionsReader, type ReadFile } from './security-options-reader';
import { tlsRefusal } from './tls-refusal';

/**
 * How every MQTT client of fleetstream checks the broker and proves who it is
 * with TLS: a CA for mqtts:// and wss://, and a client certificate (a device's
 * credential on a broker that takes them: its common name is the username,
 * `<tenant>/<site>/<device>` for a device). `mqttConnection` turns these and
 * `mqttCredentialOptions` into mqtt.js's connect options.
 */
export const mqttTlsOptions = {
  mqttCaFile: z.string().min(1).optional().meta({ env: 'MQTT_CA_FILE', description: "PEM file of the CA certificates that signed the broker's certificate, for mqtts:// and wss:// (`make env` prints the local stack's). Default: the system's CAs." }),
  mqttCertFile: z.string().min(1).optional().meta({ env: 'MQTT_CERT_FILE', description: 'PEM client certificate, for a broker that takes certificates as credentials (its common name is the username); with MQTT_KEY_FILE.' }),
  mqttKeyFile: z.string().min(1).optional().meta({ env: 'MQTT_KEY_FILE', description: 'PEM private key of MQTT_CERT_FILE (unencrypted: mount it from a Secret).' }),
};

/**
 * A service's username and password, kept out of MQTT_URL (which a ConfigMap
 * holds). Not the simulator's: in the local stack (`make env`) these are the
 * connector's account, and simulated devices publish with MQTT_URL's.
 */
export const mqttCredentialOptions = {
  mqttUsername: z.string().min(1).optional().meta({ env: 'MQTT_USERNAME', description: "MQTT username; replaces MQTT_URL's (mqtt-source, mqtt-downlink)." }),
  mqttPassword: z.string().min(1).optional().meta({ env: 'MQTT_PASSWORD', description: "MQTT password; replaces MQTT_URL's (mqtt-source, mqtt-downlink).", secret: true }),
};

export const mqttSecurityOptions = { ...mqttTlsOptions, ...mqttCredentialOptions };

export type MqttSecurityOptions = { [K in keyof typeof mqttSecurityOptions]?: z.output<(typeof mqttSecurityOptions)[K]> };

export type MqttSecurity = Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'username' | 'password'>;

/**
 * The URL to connect to and mqtt.js's `ca`, `cert`, `key`, `username` and
 * `password`, the files read now. MQTT_USERNAME and MQTT_PASSWORD replace the
 * URL's own (mqtt.js would let the URL's win), so the URL handed on carries
 * none. The broker's certificate is always verified (`rejectUnauthorized`
 * stays true). Throws CONFIG_INVALID naming every variable that is wrong.
 */
export function mqttConnection(options: { mqttUrl: string } & MqttSecurityOptions, read?: ReadFile): { url: string; security: MqttSecurity } {
  const reader = new SecurityOptionsReader(mqttSecurityOptions, 'MQTT', read);
  const v = (key: keyof typeof mqttSecurityOptions) => reader.variable(key);
  reader.require((options.mqttCertFile === undefined) !== (options.mqttKeyFile === undefined), `${v('mqttCertFile')} and ${v('mqttKeyFile')} go together: set both or neither`);
  const ca = reader.file('mqttCaFile', options.mqttCaFile);
  const cert = reader.file('mqttCertFile', options.mqttCertFile);
  const key = reader.file('mqttKeyFile', options.mqttKeyFile);
  reader.done();
  const url = new URL(options.mqttUrl);
  const username = options.mqttUsername ?? (decodeURIComponent(url.username) || undefined);
  const password = options.mqttPassword ?? (decodeURIComponent(url.password) || undefined);
  url.username = '';
  url.password = '';
  return {
    url: url.toString(),
    security: { ...(ca && { ca }), ...(cert && key && { cert, key }), ...(username !== undefined && { username }), ...(password !== undefined && { password }) },
  };
}

/**
 * What to fix when the broker or its certificate refused a connection (no
 * retry helps), or undefined: a CA that does not trust the broker, a client
 * certificate the broker refused, credentials it refused (`refusedCredentials`).
 */
export function mqttRefusalFix(error: unknown): string | undefined {
  const tls = tlsRefusal(error);
  if (tls?.kind === 'untrusted-server') return `the broker's certificate is not trusted (${tls.code}): set MQTT_CA_FILE to the CA that signed it`;
  if (tls?.kind === 'refused-client') return `the broker refused the client certificate (${tls.code}): check MQTT_CERT_FILE and MQTT_KEY_FILE`;
  if (refusedCredentials(error)) return 'the broker refused the credentials: check MQTT_USERNAME and MQTT_PASSWORD (or those in MQTT_URL)';
  return undefined;
}

/** A CONNACK refusing the account: MQTT 5 134 (bad username or password) or 135 (not authorized), 3.1.1 return codes 4 and 5. */
export function refusedCredentials(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 134 || code === 135 || code === 4 || code === 5;
}

/** What every service connection of fleetstream asks for (MQTT 5, reconnecting every second), with its identity: the caller adds its session's settings. */
export function serviceClientOptions(security: MqttSecurity, clientId: string): IClientOptions {
  return { ...security, clientId, protocolVersion: 5, reconnectPeriod: 1000, connectTimeout: 10_000, keepalive: 30 };
}

/** Logs a service client's errors: a refusal no retry helps with its fix (the client keeps retrying, but only a changed option lets it in), anything else as a warning. */
export function logMqttErrors(client: MqttClient, logger: Logger, clientId: string): void {
  client.on('error', (error) => {
    const fix = mqttRefusalFix(error);
    if (fix) logger.error({ event: 'mqtt_refused', clientId, err: error }, fix);
    else logger.warn({ event: 'mqtt_error', clientId, err: error }, 'MQTT client error');
  });
}
