import { describe, expect, it } from 'vitest';
import {
  appSecretName,
  connectionFromSecret,
  decodeSecretValue,
  MASK,
  maskedUri,
  psqlCommand,
  shellQuote,
} from './connection.ts';

const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

describe('connect panel', () => {
  const data = {
    username: b64('app'),
    password: b64("p@ss'wörd"),
    host: b64('127.0.0.1'),
    port: b64('54321'),
    dbname: b64('app'),
    uri: b64('postgresql://app:p%40ss%27w%C3%B6rd@127.0.0.1:54321/app'),
  };

  it('reads the credentials Secret of a Cluster', () => {
    expect(appSecretName('kcp')).toBe('kcp-app');
    expect(decodeSecretValue(b64('wörd'))).toBe('wörd');
    expect(connectionFromSecret(data)).toEqual({
      username: 'app',
      password: "p@ss'wörd",
      host: '127.0.0.1',
      port: '54321',
      dbname: 'app',
      uri: 'postgresql://app:p%40ss%27w%C3%B6rd@127.0.0.1:54321/app',
    });
  });

  it('builds the URI when the Secret has none, and nothing without a host', () => {
    const { uri: _uri, ...rest } = data;
    expect(connectionFromSecret({ ...rest, host: b64('::1') })?.uri).toBe(
      "postgresql://app:p%40ss'w%C3%B6rd@[::1]:54321/app",
    );
    expect(connectionFromSecret({ password: b64('x') })).toBeUndefined();
    expect(connectionFromSecret(undefined)).toBeUndefined();
  });

  it('masks the password until asked', () => {
    const connection = connectionFromSecret(data)!;
    const masked = maskedUri(connection);
    expect(masked).toBe(`postgresql://app:${MASK}@127.0.0.1:54321/app`);
    expect(masked).not.toContain('p%40ss');
  });

  it('quotes the psql command for any shell word', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(psqlCommand('postgresql://a:b@h:1/d')).toBe(`psql 'postgresql://a:b@h:1/d'`);
  });
});
