/**
 * The signed-in session: a bearer token, the workspace it signed in to and the user the
 * server says the token is. It lives in sessionStorage (gone when the tab closes, never in
 * a URL) and in memory; signing out clears both. A session signed in with the issuer
 * ("Sign in with <issuer>") gets a fresh ID token from the hub at `refreshAt`, and signing
 * out also ends the hub's session and then the issuer's (its sign-out page, if it has one).
 */
import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { Api, ApiError } from '../api/http.ts';
import { endIssuerSession, issuedToken } from '../api/sign-in.ts';

export interface Session {
  readonly token: string;
  readonly user: string;
  readonly groups: readonly string[];
  /** The workspace signed in to, where the portal starts. */
  readonly home: string;
  /** Set when signed in with this OpenID issuer through the hub. */
  readonly issuer?: string;
  /** When to ask the hub for a fresh ID token (ms since the epoch). */
  readonly refreshAt?: number;
}

/** `refreshAt` for a token the hub says to refresh in `seconds`. */
export const refreshAtOf = (seconds: number | undefined) =>
  seconds === undefined ? undefined : Date.now() + seconds * 1000;

/** After a failed refresh that was not a refusal (the hub unreachable): try again this soon. */
const RETRY_MS = 10_000;

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
      ...(typeof parsed.issuer === 'string' ? { issuer: parsed.issuer } : {}),
      ...(typeof parsed.refreshAt === 'number' ? { refreshAt: parsed.refreshAt } : {}),
    };
  } catch {
    return null;
  }
}

interface SessionContextValue {
  readonly session: Session | null;
  readonly api: Api | null;
  signIn(session: Session): void;
  /** The user signs out: the hub's and the issuer's sessions end too. */
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(load);
  const queries = useQueryClient();
  const revived = useRef(false);
  const forget = useCallback(() => {
    sessionStorage.removeItem(KEY);
    setSession(null);
  }, []);
  const signIn = useCallback((next: Session) => {
    sessionStorage.setItem(KEY, JSON.stringify(next));
    setSession(next);
  }, []);
  const signOut = useCallback(async () => {
    if (load()?.issuer === undefined) return forget();
    const ended = await endIssuerSession().catch(() => ({ endSessionUrl: undefined }));
    forget();
    if (ended.endSessionUrl) window.location.assign(ended.endSessionUrl);
  }, [forget]);
  // Before the ID token expires, the hub refreshes it with the refresh token it keeps.
  useEffect(() => {
    if (!session?.issuer || session.refreshAt === undefined) return;
    const timer = setTimeout(
      () => {
        issuedToken()
          .then((issued) =>
            signIn({ ...session, token: issued.token, refreshAt: refreshAtOf(issued.refreshIn) }),
          )
          .catch((err: unknown) => {
            if (err instanceof ApiError && err.code === 401) forget();
            else signIn({ ...session, refreshAt: Date.now() + RETRY_MS });
          });
      },
      Math.max(0, session.refreshAt - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [session, signIn, forget]);
  // A 401 means the token expired or was revoked: back to the sign-in page. A session with
  // the issuer first asks the hub for a fresh ID token (the page may have slept past its
  // refresh); only the refused token again, or none, ends it. Several requests may be
  // refused at once: those after the first find the token already replaced.
  const unauthorized = useCallback(
    (refused: string) => {
      const current = load();
      if (current && current.token !== refused) {
        // Refused after the fresh token came: the revive's refetch ran before this request
        // failed, so what it was loading is loaded again now (once its error has settled).
        setTimeout(
          () => void queries.invalidateQueries({ predicate: (q) => q.state.status === 'error' }),
          0,
        );
        return;
      }
      if (!current?.issuer) return forget();
      issuedToken()
        .then((issued) => {
          if (issued.token === refused) return forget();
          const latest = load();
          if (latest?.token !== refused) return;
          revived.current = true;
          signIn({ ...latest, token: issued.token, refreshAt: refreshAtOf(issued.refreshIn) });
        })
        .catch(forget);
    },
    [forget, signIn, queries],
  );
  // What the refused token failed to load, loaded again once the pages have the fresh one
  // (this effect runs after theirs).
  useEffect(() => {
    if (!session || !revived.current) return;
    revived.current = false;
    void queries.invalidateQueries();
  }, [session, queries]);
  const api = useMemo(
    () => (session ? new Api(session.token, () => unauthorized(session.token)) : null),
    [session, unauthorized],
  );
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
