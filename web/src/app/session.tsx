/**
 * The signed-in session: a bearer token, the workspace it signed in to and the user the
 * server says the token is. It lives in sessionStorage (gone when the tab closes, never in
 * a URL) and in memory; signing out clears both.
 */
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { Api } from '../api/http.ts';

export interface Session {
  readonly token: string;
  readonly user: string;
  readonly groups: readonly string[];
  /** The workspace signed in to, where the portal starts. */
  readonly home: string;
}

const KEY = 'canopy.session';

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || typeof parsed.home !== 'string') return null;
    return {
      token: parsed.token,
      user: parsed.user ?? '',
      groups: parsed.groups ?? [],
      home: parsed.home,
    };
  } catch {
    return null;
  }
}

interface SessionContextValue {
  readonly session: Session | null;
  readonly api: Api | null;
  signIn(session: Session): void;
  signOut(): void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(load);
  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY);
    setSession(null);
  }, []);
  const signIn = useCallback((next: Session) => {
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setSession(next);
  }, []);
  // A 401 means the token expired or was revoked: back to the sign-in page.
  const api = useMemo(() => (session ? new Api(session.token, signOut) : null), [session, signOut]);
  const value = useMemo(() => ({ session, api, signIn, signOut }), [session, api, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The API of the signed-in session; pages behind sign-in only. */
export function useApi(): Api {
  const { api } = useSession();
  if (!api) throw new Error('not signed in');
  return api;
}
