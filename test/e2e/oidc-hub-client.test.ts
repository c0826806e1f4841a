/**
 * The hub's OpenID client (`src/hub/sso/oidc-client.ts`, openid-client) against a real
 * provider on loopback (oidc-provider over HTTPS with its own CA), as a public client (PKCE
 * only) and as a confidential one: the authorization URL it builds, the code exchanged once
 * and only with the state and nonce it started with, refresh, revocation, the end-session
 * URL, and an issuer whose certificate it must not trust. The whole flow through the hub and
 * the portal is test/e2e/oidc-portal.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/hub/sso/oidc-client.ts';
import { type TestClient, TestOidcProvider } from './harness/oidc-provider.ts';

const REDIRECT = 'https://hub.example/auth/callback';
const PUBLIC: TestClient = { clientId: 'hub-public', redirectUris: [REDIRECT] };
const CONFIDENTIAL: TestClient = {
  clientId: 'hub-confidential',
  clientSecret: randomBytes(16).toString('hex'),
  redirectUris: [REDIRECT],
};

let provider: TestOidcProvider;

beforeAll(async () => {
  provider = await TestOidcProvider.start({
    accounts: { alice: { email: 'alice@example.com', email_verified: true, groups: ['dev'] } },
    clients: [PUBLIC, CONFIDENTIAL],
  });
});

afterAll(async () => {
  await provider?.stop();
});

describe.each([
  ['a public client (PKCE only)', PUBLIC],
  ['a confidential client', CONFIDENTIAL],
])('the hub as %s', (_name, client) => {
  const hub = () =>
    new OidcClient({
      issuerUrl: provider.issuer,
      clientId: client.clientId,
      ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
      ca: provider.caPem,
    });

  it('signs in with the code flow, refreshes, and revokes', async () => {
    const oidc = hub();
    try {
      const { url, pending } = await oidc.authorizationUrl(REDIRECT);
      expect(url.origin).toBe(provider.issuer);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('scope')).toBe('openid email profile groups offline_access');
      expect(url.searchParams.get('state')).toBe(pending.state);
      expect(url.toString()).not.toContain(pending.verifier);

      const callback = new URL(await provider.signIn(url.toString(), 'alice', REDIRECT));
      const signedIn = await oidc.finish(callback, pending);
      const claims = decodeJwt(signedIn.idToken);
      expect(claims).toMatchObject({
        iss: provider.issuer,
        aud: client.clientId,
        sub: 'alice',
        email: 'alice@example.com',
        groups: ['dev'],
        nonce: pending.nonce,
      });
      expect(signedIn.expiresAt).toBe(Number(claims.exp) * 1000);
      expect(signedIn.refreshToken).toBeTruthy();
      const refreshed = await oidc.refresh(signedIn.refreshToken as string);
      expect(decodeJwt(refreshed.idToken)).toMatchObject({ sub: 'alice', aud: client.clientId });
      expect(refreshed.refreshToken).toBeTruthy();

      await oidc.revoke(refreshed.refreshToken as string);
      await expect(oidc.refresh(refreshed.refreshToken as string)).rejects.toThrow();
      // A code is good once (used again, the provider revokes what it gave for it).
      await expect(oidc.finish(callback, pending)).rejects.toThrow();

      const end = new URL((await oidc.endSessionUrl('https://hub.example/ui/signin')) ?? '');
      expect(end.origin).toBe(provider.issuer);
      expect(end.searchParams.get('client_id')).toBe(client.clientId);
      expect(end.searchParams.get('post_logout_redirect_uri')).toBe(
        'https://hub.example/ui/signin',
      );
    } finally {
      oidc.close();
    }
  });

  it('takes no code back with another sign-in’s state or nonce', async () => {
    const oidc = hub();
    try {
      const first = await oidc.authorizationUrl(REDIRECT);
      const second = await oidc.authorizationUrl(REDIRECT);
      expect(second.pending.state).not.toBe(first.pending.state);
      const callback = new URL(await provider.signIn(first.url.toString(), 'alice', REDIRECT));
      await expect(
        oidc.finish(callback, { ...first.pending, state: second.pending.state }),
      ).rejects.toThrow();
      await expect(
        oidc.finish(callback, { ...first.pending, nonce: second.pending.nonce }),
      ).rejects.toThrow();
    } finally {
      oidc.close();
    }
  });
});

it('does not trust an issuer whose certificate its CA did not sign', async () => {
  const oidc = new OidcClient({ issuerUrl: provider.issuer, clientId: PUBLIC.clientId });
  try {
    await expect(oidc.authorizationUrl(REDIRECT)).rejects.toThrow(
      `cannot discover the OpenID issuer ${provider.issuer}`,
    );
  } finally {
    oidc.close();
  }
});
