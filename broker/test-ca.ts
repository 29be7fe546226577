/**
 * A throwaway CA and a server certificate for 127.0.0.1 and localhost, for
 * the tests' brokers (a broker of a test file's own, the containers' broker).
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A local CA and a server certificate for 127.0.0.1 (EC keys: quick to make). */
export async function makeTestCa(dir: string): Promise<{ caFile: string; caKeyFile: string; certFile: string; keyFile: string }> {
  const [caFile, caKeyFile, certFile, keyFile, csr, ext] = ['ca.crt', 'ca.key', 'server.crt', 'server.key', 'server.csr', 'server.ext'].map((name) => join(dir, name)) as [string, string, string, string, string, string];
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=fleetstream test CA', '-keyout', caKeyFile, '-out', caFile, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run('openssl', ['req', ...ec, '-subj', '/CN=localhost', '-keyout', keyFile, '-out', csr]);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKeyFile, '-CAcreateserial', '-CAserial', join(dir, 'ca.srl'), '-days', '2', '-extfile', ext, '-out', certFile]);
  return { caFile, caKeyFile, certFile, keyFile };
}
