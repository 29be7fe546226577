/**
 * Who may use the broker: devices and service accounts granted, rotated and
 * revoked on Mosquitto's dynamic security plugin (broker/README.md says why that
 * mechanism, with the figures). The registry's sync calls this; the plugin
 * hashes the passwords itself and kicks a deleted client at once.
 */
import { deviceAcls, deviceRoleName, type Acl } from './broker-acls';
import { DynamicSecurityClient, type DynamicSecurityCommand, type DynamicSecurityConnection } from './dynamic-security';

export interface DeviceCredentials {
  username: string;
  password: string;
}

export interface BrokerAccess {
  /** Creates the device's role and client; BROKER_REJECTED if it exists. */
  grantDevice(username: string, password: string): Promise<void>;
  /** Deletes the device's client (the broker disconnects it at once) and its role. */
  revokeDevice(username: string): Promise<void>;
  /** A new password: it works at once, the old one no more (a connected session stays). */
  rotateDevice(username: string, password: string): Promise<void>;
  /** A platform component's account, with a role `service:<username>` holding `acls`. */
  grantService(username: string, password: string, acls: Acl[]): Promise<void>;
  /** Many devices, `batchSize` commands' worth per message. */
  grantDevices(devices: DeviceCredentials[]): Promise<void>;
  /**
   * Brings the broker's devices in line with `devices`: grants the missing ones
   * (with the password given), revokes the ones not listed; a device present on
   * both keeps its password (the registry only holds hashes).
   */
  reconcile(devices: DeviceCredentials[]): Promise<{ granted: number; revoked: number }>;
  /** The usernames of the devices the broker knows (clients with a device role). */
  listDevices(): Promise<string[]>;
  close(): Promise<void>;
}

/** Devices per message in bulk operations: the plugin answers a message at once, and every command rewrites its whole file. */
const devicesPerMessage = 100;

function grantCommands(username: string, password: string): DynamicSecurityCommand[] {
  const rolename = deviceRoleName(username);
  return [
    { command: 'createRole', rolename, acls: deviceAcls(username) },
    { command: 'createClient', username, password, roles: [{ rolename }] },
  ];
}

function revokeCommands(username: string): DynamicSecurityCommand[] {
  return [
    { command: 'deleteClient', username },
    { command: 'deleteRole', rolename: deviceRoleName(username) },
  ];
}

export async function openBrokerAccess(connection: DynamicSecurityConnection): Promise<BrokerAccess> {
  const control = await DynamicSecurityClient.connect(connection);

  async function inBatches<T>(items: T[], commandsFor: (item: T) => DynamicSecurityCommand[]): Promise<void> {
    for (let i = 0; i < items.length; i += devicesPerMessage) await control.send(items.slice(i, i + devicesPerMessage).flatMap(commandsFor));
  }

  async function listDevices(): Promise<string[]> {
    const [response] = (await control.send([{ command: 'listClients', verbose: true }])) as unknown as { data: { clients: { username: string; roles?: { rolename: string }[] }[] } }[];
    return response!.data.clients.filter((c) => c.roles?.some((r) => r.rolename === deviceRoleName(c.username))).map((c) => c.username);
  }

  return {
    grantDevice: async (username, password) => void (await control.send(grantCommands(username, password))),
    revokeDevice: async (username) => void (await control.send(revokeCommands(username))),
    rotateDevice: async (username, password) => void (await control.send([{ command: 'setClientPassword', username, password }])),
    grantService: async (username, password, acls) => {
      const rolename = `service:${username}`;
      await control.send([
        { command: 'createRole', rolename, acls },
        { command: 'createClient', username, password, roles: [{ rolename }] },
      ]);
    },
    grantDevices: (devices) => inBatches(devices, (d) => grantCommands(d.username, d.password)),
    listDevices,
    reconcile: async (devices) => {
      const present = new Set(await listDevices());
      const wanted = new Set(devices.map((d) => d.username));
      const missing = devices.filter((d) => !present.has(d.username));
      const extra = [...present].filter((username) => !wanted.has(username));
      await inBatches(extra, revokeCommands);
      await inBatches(missing, (d) => grantCommands(d.username, d.password));
      return { granted: missing.length, revoked: extra.length };
    },
    close: () => control.close(),
  };
}
