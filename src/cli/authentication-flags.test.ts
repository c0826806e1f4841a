import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileAuthentication } from '../apiserver/authn/oidc/authentication-config.ts';
import { hubSignInOf, jwtAuthenticationOf } from './authentication-flags.ts';

const dir = mkdtempSync(join(tmpdir(), 'canopy-auth-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('hubSignInOf: the portal signs in with the issuer the API server trusts', () => {
  it('is off without an issuer, and a client secret alone is a mistake said in flags', () => {
    expect(hubSignInOf(undefined, undefined, '--hub-oidc-client-secret-file')).toBeUndefined();
    expect(() => hubSignInOf(undefined, file('s', 'x'), '--hub-oidc-client-secret-file')).toThrow(
      '--hub-oidc-client-secret-file needs an OpenID issuer: --oidc-issuer-url and --oidc-client-id',
    );
  });

  it('takes the --oidc-* issuer, its client ID and CA; a public client without a secret', () => {
    const ca = file('ca.crt', '-----BEGIN CERTIFICATE-----\n');
    const jwt = jwtAuthenticationOf({
      oidcIssuerUrl: 'https://login.example.com',
      oidcClientId: 'canopy',
      oidcCaFile: ca,
    });
    expect(hubSignInOf(jwt, undefined, '--hub-oidc-client-secret-file')).toEqual({
      issuerUrl: 'https://login.example.com',
      clientId: 'canopy',
      ca: '-----BEGIN CERTIFICATE-----\n',
    });
    expect(hubSignInOf(jwt, file('secret', 's3cret\n'), '--hub-oidc-client-secret-file')).toEqual({
      issuerUrl: 'https://login.example.com',
      clientId: 'canopy',
      clientSecret: 's3cret',
      ca: '-----BEGIN CERTIFICATE-----\n',
    });
    expect(() => hubSignInOf(jwt, file('empty', '\n'), '--oidc-client-secret-file')).toThrow(
      '--oidc-client-secret-file: ',
    );
    expect(() => hubSignInOf(jwt, join(dir, 'missing'), '--oidc-client-secret-file')).toThrow(
      '--oidc-client-secret-file: cannot read',
    );
  });

  it('takes the first issuer of an AuthenticationConfiguration and the first of its audiences', () => {
    const jwt = fileAuthentication({
      apiVersion: 'apiserver.config.k8s.io/v1beta1',
      kind: 'AuthenticationConfiguration',
      jwt: [
        {
          issuer: { url: 'https://one.example.com', audiences: ['portal', 'cli'] },
          claimMappings: { username: { claim: 'sub', prefix: '' } },
        },
        {
          issuer: { url: 'https://two.example.com', audiences: ['other'] },
          claimMappings: { username: { claim: 'sub', prefix: '' } },
        },
      ],
    });
    expect(hubSignInOf(jwt, undefined, '--hub-oidc-client-secret-file')).toEqual({
      issuerUrl: 'https://one.example.com',
      clientId: 'portal',
    });
  });
});
