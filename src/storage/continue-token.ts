/**
 * List continue tokens: opaque to clients, they carry the revision of the first page (so
 * every page is read at the same revision) and the last key returned.
 */
import { StoreError } from './errors.ts';

interface TokenBody {
  /** Format version. */
  v: 1;
  /** Revision the list is pinned at. */
  rv: number;
  /** Last key returned; the next page starts after it. */
  after: string;
}

export interface ContinuePoint {
  readonly revision: number;
  readonly after: string;
}

export function encodeContinue(point: ContinuePoint): string {
  const body: TokenBody = { v: 1, rv: point.revision, after: point.after };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

/** Decodes a token and checks it belongs to a list of `prefix`. */
export function decodeContinue(token: string, prefix: string): ContinuePoint {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    typeof body !== 'object' ||
    body === null ||
    (body as TokenBody).v !== 1 ||
    !Number.isSafeInteger((body as TokenBody).rv) ||
    (body as TokenBody).rv < 1 ||
    typeof (body as TokenBody).after !== 'string' ||
    !(body as TokenBody).after.startsWith(prefix)
  ) {
    throw invalid();
  }
  const { rv, after } = body as TokenBody;
  return { revision: rv, after };
}

const invalid = () => new StoreError('InvalidContinue', 'continue key is not valid');
