/**
 * A device's client certificate, issued by the local CA with openssl: its
 * common name is the device's username, which the broker's certificate
 * listener (use_identity_as_username) takes as the username.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClientCertificate {
  /** PEM */
  cert: string;
  /** PEM, unencrypted */
  key: string;
}

export async function issueClientCertificate(options: { caFile: string; caKeyFile: string; commonName: string; days?: number }): Promise<ClientCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetstream-cert-'));
  try {
    const [key, csr, cert] = ['device.key', 'device.csr', 'device.crt'].map((name) => join(dir, name)) as [string, string, string];
    // -subj takes / as its separator: escape the username's
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${options.commonName.replace(/\//g, '\\/')}`, '-keyout', key, '-out', csr]);
    await run('openssl', ['x509', '-req', '-in', csr, '-CA', options.caFile, '-CAkey', options.caKeyFile, '-CAcreateserial', '-CAserial', join(dir, 'ca.srl'), '-days', String(options.days ?? 365), '-out', cert]);
    return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
