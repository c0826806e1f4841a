/**
 * Client certificate authentication (x509 request authenticator): the TLS handshake asks
 * for a certificate (`requestCert`) and verifies its chain against the server CA without
 * rejecting the connection (`rejectUnauthorized: false`), so that token clients still get
 * in. Here a verified certificate becomes a user — CN the name, each O a group — and an
 * unverified one (another CA, expired) authenticates nobody, which ends in a 401 unless
 * the request also carries a good token, as upstream's union authenticator behaves.
 */
import type { IncomingMessage } from 'node:http';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { UserInfo } from '../rest/scope.ts';
import type { Authenticator } from './authenticator.ts';
import { CREDENTIAL_ID_EXTRA } from './service-accounts.ts';

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';
const ANY_EXTENDED_KEY_USAGE_OID = '2.5.29.37.0';

function first(value: string | string[] | undefined): string {
  if (Array.isArray(value)) return value[0] ?? '';
  return value ?? '';
}

function all(value: string | string[] | undefined): string[] {
  if (Array.isArray(value)) return value;
  return value ? [value] : [];
}

/** The user a verified certificate names, or undefined when it cannot be a client certificate. */
export function userFromCertificate(cert: PeerCertificate): UserInfo | undefined {
  // Go refuses a certificate whose extended key usages exclude client auth; none listed means any.
  const usages = cert.ext_key_usage;
  if (usages && usages.length > 0 && !usages.includes(CLIENT_AUTH_OID)) {
    if (!usages.includes(ANY_EXTENDED_KEY_USAGE_OID)) return undefined;
  }
  const username = first(cert.subject?.CN);
  if (!username) return undefined;
  const fingerprint = (cert.fingerprint256 ?? '').replace(/:/g, '').toLowerCase();
  return {
    username,
    groups: all(cert.subject?.O),
    ...(fingerprint ? { extra: { [CREDENTIAL_ID_EXTRA]: [`X509SHA256=${fingerprint}`] } } : {}),
  };
}

export class ClientCertificateAuthenticator implements Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const socket = req.socket as TLSSocket;
    if (typeof socket.getPeerCertificate !== 'function') return undefined;
    const cert = socket.getPeerCertificate();
    // An empty object means the client sent no certificate.
    if (!cert || Object.keys(cert).length === 0) return undefined;
    if (!socket.authorized) return undefined;
    return userFromCertificate(cert);
  }
}
