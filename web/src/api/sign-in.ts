/**
 * "Sign in with <issuer>" through the hub (`/auth/*`, the hub's `http/sign-in.ts`): the hub
 * runs the authorization code flow and keeps the refresh token in an HttpOnly cookie the
 * page cannot read; the page asks it for the current ID token, which it then sends as its
 * bearer like any other token. These are the only requests that carry cookies.
 */
import { errorFromResponse } from './http.ts';

export interface SignInConfig {
  readonly oidc: { readonly issuer: string; readonly clientId: string } | null;
}

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: string;
  /** Seconds until the token should be refreshed; absent when the issuer gave no refresh token. */
  readonly refreshIn?: number;
}

/** Where the page goes to sign in with the issuer (a navigation, not a fetch). */
export const AUTHORIZE_PATH = '/auth/authorize';

async function call<T>(path: string, method: 'GET' | 'POST'): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json' },
  });
  const text = await res.text();
  if (!res.ok) throw errorFromResponse(res.status, res.statusText, text);
  return (text ? JSON.parse(text) : {}) as T;
}

export const signInConfig = () => call<SignInConfig>('/auth/config', 'GET');

/** The session's ID token, refreshed by the hub when due; 401 when there is no session. */
export const issuedToken = () => call<IssuedToken>('/auth/token', 'POST');

/** Ends the hub's session (revoking its refresh token); the issuer's sign-out page, if any. */
export const endIssuerSession = () => call<{ endSessionUrl?: string }>('/auth/logout', 'POST');

/** "accounts.example.com" for https://accounts.example.com/…: what the button names. */
export function issuerName(issuer: string): string {
  try {
    return new URL(issuer).host;
  } catch {
    return issuer;
  }
}
