/**
 * The simulated devices' own credentials. A real device keeps the password
 * it was given; the simulator keeps its devices' in a file of its own (mode
 * 0600, `<username>\t<password>` a line), and provisions through the
 * registry what the file cannot vouch for: a device the registry lacks is
 * added (its tenant and site with it); a device whose kept password the
 * registry no longer takes (rotated, never kept, the file lost) is given new
 * credentials. A kept password is checked against the broker hash the
 * registry holds (PBKDF2, 101 iterations: a fraction of a millisecond), so a
 * fleet already provisioned starts at once; a new device costs the registry's
 * scrypt hash (about 50 ms of a core), once.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { brokerPasswordMatches } from '../registry/broker-password-hash';
import { FleetstreamError } from '../lib/errors';
import { replaceFile } from '../lib/replace-file';
import { addDevice, deviceName, listBrokerCredentials, rotateCredentials, type DeviceAddress, type Registry } from '../registry';

export interface DeviceCredential {
  username: string;
  password: string;
}

export interface ProvisionResult {
  /** Per address, in the order given. */
  credentials: DeviceCredential[];
  added: number;
  rotated: number;
  kept: number;
}

/** Hashing runs on libuv's thread pool (4 threads): more at once only queues. */
const concurrency = 4;

async function readKept(file: string): Promise<Map<string, string>> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const kept = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.lastIndexOf('\t');
    if (tab > 0) kept.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return kept;
}

async function writeKept(file: string, kept: ReadonlyMap<string, string>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await replaceFile(file, [...kept].map(([username, password]) => `${username}\t${password}\n`).join(''));
}

/**
 * Credentials for every address, provisioned in `registry` where the file
 * `file` has none the registry takes. `onProgress` hears how many were
 * provisioned so far (2,000 new devices, with their connections, took 15 s on a busy machine).
 */
export async function provisionDevices(registry: Registry, addresses: readonly DeviceAddress[], file: string, onProgress?: (done: number, toDo: number) => void): Promise<ProvisionResult> {
  const kept = await readKept(file);
  const current = new Map((await listBrokerCredentials(registry)).map((c) => [c.username, c.brokerPasswordHash]));
  const missing = addresses.filter((address) => {
    const username = deviceName(address);
    const password = kept.get(username);
    const hash = current.get(username);
    return password === undefined || hash === undefined || !brokerPasswordMatches(password, hash);
  });
  let added = 0;
  let rotated = 0;
  let next = 0;
  const provisionOne = async (address: DeviceAddress): Promise<void> => {
    const username = deviceName(address);
    try {
      kept.set(username, (await addDevice(registry, address)).credentials.password);
      added++;
    } catch (error) {
      if ((error as { code?: string }).code !== 'DEVICE_EXISTS') throw error;
      try {
        kept.set(username, (await rotateCredentials(registry, address)).password);
        rotated++;
      } catch (rotateError) {
        if ((rotateError as { code?: string }).code !== 'DEVICE_REVOKED') throw rotateError;
        throw new FleetstreamError('DEVICE_REVOKED', `simulated device ${username} is revoked in the registry: remove it (\`fleetstream devices remove ${username}\`) or simulate another fleet (--tenant-prefix)`, { cause: rotateError });
      }
    }
    onProgress?.(added + rotated, missing.length);
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, missing.length) }, async () => {
        while (next < missing.length) await provisionOne(missing[next++]!);
      }),
    );
  } finally {
    // what was provisioned before a failure is kept, or those devices would need rotating next time
    if (missing.length > 0) await writeKept(file, kept);
  }
  return {
    credentials: addresses.map((address) => ({ username: deviceName(address), password: kept.get(deviceName(address))! })),
    added,
    rotated,
    kept: addresses.length - missing.length,
  };
}
