/**
 * List continue tokens: opaque to clients, they carry the revision of the first page (so
 * every page is read at the same revision) and the last key returned.
 */
import { StoreError } from './errors.ts';
import type { KeyValue, ListOptions, ListResult } from './store.ts';

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

/** Where a store's list starts (the part of `Store.list` every store shares). */
export interface ListStart {
  /** The page size; 0 means all. */
  readonly limit: number;
  /** The revision every page is read at: the token's, the asked one, or `current`. */
  readonly revision: number;
  /** The key the page continues after; undefined starts at the prefix. */
  readonly after?: string;
}

export function listStart(prefix: string, options: ListOptions, current: number): ListStart {
  const limit = options.limit && options.limit > 0 ? Math.floor(options.limit) : 0;
  if (!options.continue) return { limit, revision: options.revision ?? current };
  const { revision, after } = decodeContinue(options.continue, prefix);
  return { limit, revision, after };
}

/**
 * A page from what a store read in key order (up to `limit` + 1 items, the extra one
 * saying that more follow): at most `limit` items, and a token after the last of them
 * when more follow.
 */
export function listPage(items: KeyValue[], limit: number, revision: number): ListResult {
  if (!limit || items.length <= limit) return { items, revision };
  items.length = limit;
  const after = (items[limit - 1] as KeyValue).key;
  return { items, revision, continue: encodeContinue({ revision, after }) };
}
