/**
 * The end-to-end benchmark with every simulated device connecting as a real
 * fleet does: its own credentials in the registry (provisioned once, kept in
 * .local/bench/end-to-end-devices) and its own MQTT connection over TLS, the
 * broker checking each against the registry's auth file and its ACLs. Beside
 * end-to-end.bench.ts's shared plain connections, it states what
 * authentication and TLS cost (issue 15). Writes end-to-end-own-tls.{json,png}.
 */
import { runEndToEnd } from './end-to-end.bench';

export function run(): Promise<object> {
  return runEndToEnd('own-tls');
}
