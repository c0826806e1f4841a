/**
 * Credential Secrets, with CloudNativePG's keys: `username`, `user`, `password`, `dbname`,
 * `host`, `port`, `pgpass`, `uri`, `jdbc-uri`. Unlike CloudNativePG, whose `host` is the
 * `<cluster>-rw` Service name, `host`/`port` here are the Cluster's read-write endpoint
 * (127.0.0.1 and the node port of `<cluster>-rw` by default; runtime/endpoint-proxy.ts), so
 * the connection string works from this machine and never changes: the endpoint follows
 * the primary through failover and switchover.
 */
import { randomBytes } from 'node:crypto';
import type { Secret } from '../../../api/core/types.ts';
import type { OwnerReference } from '../../../apimachinery/meta.ts';
import { API_VERSION, type Cluster } from '../../types.ts';

export type UserType = 'superuser' | 'app';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface ConnectionInfo {
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
}

/** 64 characters from [A-Za-z0-9], like CloudNativePG's generated passwords. */
export function generatePassword(length = 64): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const out: string[] = [];
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      // 248 = 4 × 62: rejection sampling keeps the distribution uniform.
      if (b < 248 && out.length < length) out.push(alphabet[b % 62] as string);
    }
  }
  return out.join('');
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
export const decode = (s: string | undefined) =>
  s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');

/** A .pgpass line: `:` and `\` escaped with a backslash. */
export function pgpassLine(host: string, port: number, dbname: string, c: Credentials): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
  return `${esc(host)}:${port}:${esc(dbname)}:${esc(c.username)}:${esc(c.password)}\n`;
}

function hostForUri(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function postgresUri(c: Credentials, conn: ConnectionInfo): string {
  return `postgresql://${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@${hostForUri(conn.host)}:${conn.port}/${encodeURIComponent(conn.dbname)}`;
}

export function jdbcUri(c: Credentials, conn: ConnectionInfo): string {
  return `jdbc:postgresql://${hostForUri(conn.host)}:${conn.port}/${encodeURIComponent(conn.dbname)}?password=${encodeURIComponent(c.password)}&user=${encodeURIComponent(c.username)}`;
}

/** The `data` of a credential Secret (base64 values). */
export function credentialData(
  userType: UserType,
  c: Credentials,
  conn: ConnectionInfo,
): Record<string, string> {
  // The superuser Secret names every database ('*', a .pgpass wildcard); its URIs point at
  // the `postgres` database so they connect as they are.
  const dbname = userType === 'superuser' ? '*' : conn.dbname;
  const uriConn = userType === 'superuser' ? { ...conn, dbname: 'postgres' } : conn;
  return {
    username: b64(c.username),
    user: b64(c.username),
    password: b64(c.password),
    dbname: b64(dbname),
    host: b64(conn.host),
    port: b64(String(conn.port)),
    pgpass: b64(pgpassLine(conn.host, conn.port, dbname, c)),
    uri: b64(postgresUri(c, uriConn)),
    'jdbc-uri': b64(jdbcUri(c, uriConn)),
  };
}

export function ownerReference(cluster: Cluster): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    name: cluster.metadata.name,
    uid: cluster.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isOwnedBy(secret: Secret, cluster: Cluster): boolean {
  return (secret.metadata.ownerReferences ?? []).some((r) => r.uid === cluster.metadata.uid);
}

export function credentialSecret(
  cluster: Cluster,
  name: string,
  userType: UserType,
  c: Credentials,
  conn: ConnectionInfo,
): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/basic-auth',
    metadata: {
      name,
      namespace: cluster.metadata.namespace,
      labels: {
        'cnpg.io/cluster': cluster.metadata.name,
        'cnpg.io/userType': userType,
        'cnpg.io/reload': 'true',
      },
      ownerReferences: [ownerReference(cluster)],
    },
    data: credentialData(userType, c, conn),
  };
}

export type CredentialLookup =
  | { readonly ok: true; readonly credentials: Credentials }
  | { readonly ok: false; readonly missing: boolean; readonly message: string };

/**
 * Reads a user-provided basic-auth Secret. `expectedUser` (the superuser `postgres`, or
 * the owner) must match `username` when the Secret has one.
 */
export function readCredentials(
  secret: Secret | undefined,
  name: string,
  expectedUser: string,
): CredentialLookup {
  if (!secret) return { ok: false, missing: true, message: `Secret ${name} not found` };
  const data = secret.data ?? {};
  const username = decode(data.username);
  const password = decode(data.password);
  if (password === undefined || password === '')
    return { ok: false, missing: false, message: `Secret ${name} has no password key` };
  if (username !== undefined && username !== expectedUser)
    return {
      ok: false,
      missing: false,
      message: `Secret ${name} has username ${JSON.stringify(username)}, expected ${JSON.stringify(expectedUser)}`,
    };
  return { ok: true, credentials: { username: expectedUser, password } };
}
