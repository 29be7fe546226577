import { causeChain } from './errors';

/** Node's codes for a server certificate the client does not trust (the CA, the name, the dates). */
const untrustedCertificateCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** OpenSSL's codes for a client certificate the server refused, or asked for and did not get. */
const refusedClientCertificateCode = /^ERR_SSL_(TLSV13_ALERT_CERTIFICATE_REQUIRED|SSLV3_ALERT_BAD_CERTIFICATE|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_CERTIFICATE_UNKNOWN)$/;

export type TlsRefusal = { kind: 'untrusted-server' | 'refused-client'; code: string; message: string };

/** A TLS handshake that failed in a way no retry fixes, found in the error or its causes. */
export function tlsRefusal(error: unknown): TlsRefusal | undefined {
  for (const cause of causeChain(error)) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (untrustedCertificateCodes.has(code)) return { kind: 'untrusted-server', code, message: cause.message };
    if (refusedClientCertificateCode.test(code)) return { kind: 'refused-client', code, message: cause.message };
  }
  return undefined;
}
