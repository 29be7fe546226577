/**
 * Certificates issued by the local CA with openssl: a device's client
 * certificate, whose common name is the device's username (the broker's
 * certificate listener, use_identity_as_username, takes it as the username,
 * and the HTTP source as the device), and a server certificate for the
 * addresses a test's server listens on.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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

interface Issuer {
  caFile: string;
  caKeyFile: string;
  commonName: string;
  days?: number;
}

export function issueClientCertificate(options: Issuer): Promise<ClientCertificate> {
  return issueCertificate(options);
}

/** A server certificate for `altNames` (`IP:127.0.0.1`, `DNS:localhost`). */
export function issueServerCertificate(options: Issuer & { altNames: string[] }): Promise<ClientCertificate> {
  return issueCertificate(options, `subjectAltName=${options.altNames.join(',')}\nextendedKeyUsage=serverAuth\n`);
}

async function issueCertificate(options: Issuer, extensions?: string): Promise<ClientCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetstream-cert-'));
  try {
    const [key, csr, cert, ext] = ['device.key', 'device.csr', 'device.crt', 'device.ext'].map((name) => join(dir, name)) as [string, string, string, string];
    // -subj takes / as its separator: escape the username's
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${options.commonName.replace(/\//g, '\\/')}`, '-keyout', key, '-out', csr]);
    if (extensions) await writeFile(ext, extensions);
    await run('openssl', [
      'x509', '-req', '-in', csr, '-CA', options.caFile, '-CAkey', options.caKeyFile, '-CAcreateserial', '-CAserial', join(dir, 'ca.srl'), '-days', String(options.days ?? 365), '-out', cert,
      ...(extensions ? ['-extfile', ext] : []),
    ]);
    return { cert: await readFile(cert, 'utf8'), key: await readFile(key, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
