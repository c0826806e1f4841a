import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../api/core/types.ts';
import type { Cluster } from '../../types.ts';
import {
  credentialData,
  credentialSecret,
  generatePassword,
  isOwnedBy,
  jdbcUri,
  pgpassLine,
  postgresUri,
  readCredentials,
} from './secrets.ts';

const cluster: Cluster = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name: 'kcp', namespace: 'team-a', uid: 'uid-1' },
  spec: { instances: 1 },
};
const decodeAll = (data: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
const secret = (data: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'team-a' },
  data: Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
});

describe('credential Secrets', () => {
  it('carry every CloudNativePG key, pointing at the primary', () => {
    const data = decodeAll(
      credentialData(
        'app',
        { username: 'app', password: 'p@ss:w/rd' },
        { host: '127.0.0.1', port: 40001, dbname: 'app' },
      ),
    );
    expect(Object.keys(data).sort()).toEqual(
      [
        'dbname',
        'host',
        'jdbc-uri',
        'password',
        'pgpass',
        'port',
        'uri',
        'user',
        'username',
      ].sort(),
    );
    expect(data).toMatchObject({
      username: 'app',
      user: 'app',
      password: 'p@ss:w/rd',
      dbname: 'app',
      host: '127.0.0.1',
      port: '40001',
    });
    expect(data.pgpass).toBe('127.0.0.1:40001:app:app:p@ss\\:w/rd\n');
    expect(data.uri).toBe('postgresql://app:p%40ss%3Aw%2Frd@127.0.0.1:40001/app');
    expect(data['jdbc-uri']).toBe(
      'jdbc:postgresql://127.0.0.1:40001/app?password=p%40ss%3Aw%2Frd&user=app',
    );
  });

  it('gives the superuser every database in pgpass and a URI that connects', () => {
    const data = decodeAll(
      credentialData(
        'superuser',
        { username: 'postgres', password: 'x' },
        { host: '127.0.0.1', port: 5, dbname: '*' },
      ),
    );
    expect(data.dbname).toBe('*');
    expect(data.pgpass).toBe('127.0.0.1:5:*:postgres:x\n');
    expect(data.uri).toBe('postgresql://postgres:x@127.0.0.1:5/postgres');
  });

  it('are basic-auth, labelled and owned by the Cluster', () => {
    const s = credentialSecret(
      cluster,
      'kcp-app',
      'app',
      { username: 'app', password: 'x' },
      { host: 'h', port: 1, dbname: 'app' },
    );
    expect(s.type).toBe('kubernetes.io/basic-auth');
    expect(s.metadata.labels).toEqual({
      'cnpg.io/cluster': 'kcp',
      'cnpg.io/userType': 'app',
      'cnpg.io/reload': 'true',
    });
    expect(s.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Cluster',
      name: 'kcp',
      uid: 'uid-1',
      controller: true,
    });
    expect(isOwnedBy(s, cluster)).toBe(true);
  });

  it('format IPv6 hosts in URIs', () => {
    const c = { username: 'u', password: 'p' };
    expect(postgresUri(c, { host: '::1', port: 1, dbname: 'd' })).toBe(
      'postgresql://u:p@[::1]:1/d',
    );
    expect(jdbcUri(c, { host: '::1', port: 1, dbname: 'd' })).toBe(
      'jdbc:postgresql://[::1]:1/d?password=p&user=u',
    );
    expect(pgpassLine('h\\x', 1, 'd', c)).toBe('h\\\\x:1:d:u:p\n');
  });
});

describe('user-provided Secrets', () => {
  it('need a password, and the expected user when they name one', () => {
    expect(readCredentials(undefined, 'kcp-superuser', 'postgres')).toEqual({
      ok: false,
      missing: true,
      message: 'Secret kcp-superuser not found',
    });
    expect(
      readCredentials(secret({ username: 'postgres' }), 'kcp-superuser', 'postgres'),
    ).toMatchObject({
      ok: false,
      missing: false,
      message: 'Secret kcp-superuser has no password key',
    });
    expect(
      readCredentials(secret({ username: 'admin', password: 'x' }), 'kcp-superuser', 'postgres'),
    ).toMatchObject({
      ok: false,
      message: expect.stringMatching(/expected "postgres"/),
    });
    expect(
      readCredentials(
        secret({ username: 'postgres', password: 'password' }),
        'kcp-superuser',
        'postgres',
      ),
    ).toEqual({
      ok: true,
      credentials: { username: 'postgres', password: 'password' },
    });
    expect(readCredentials(secret({ password: 'only' }), 'kcp-app', 'app')).toMatchObject({
      ok: true,
    });
  });
});

describe('generated passwords', () => {
  it('are 64 alphanumerics and differ', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(generatePassword()).not.toBe(a);
    expect(generatePassword(10)).toHaveLength(10);
  });
});
