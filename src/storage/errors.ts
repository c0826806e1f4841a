/**
 * Store errors. Each code maps to one Kubernetes Status the API layer returns:
 * NotFound → 404, AlreadyExists → 409, Conflict → 409, Expired → 410,
 * FutureRevision → 504 (ResourceVersionTooLarge), InvalidKey/InvalidContinue → 400,
 * TooLarge → 413; a backend that is a separate service (etcd) adds Unavailable → 503 and
 * Timeout → 504, whose outcome for a write is unknown (it may have committed), and Stale
 * (a write's decision was made on a view older than a change that decides it; nothing
 * was written, decide again) → 409.
 */
export type StoreErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'FutureRevision'
  | 'InvalidKey'
  | 'InvalidContinue'
  | 'TooLarge'
  | 'Unavailable'
  | 'Timeout'
  | 'Stale'
  | 'Closed';

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly key: string | undefined;
  /** For Expired and FutureRevision: the revision asked for and the one that bounds it. */
  readonly revisions: { readonly requested: number; readonly bound: number } | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    key?: string,
    revisions?: { requested: number; bound: number },
  ) {
    super(message);
    this.code = code;
    this.key = key;
    this.revisions = revisions;
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

export const notFound = (key: string) => new StoreError('NotFound', `key not found: ${key}`, key);

export const alreadyExists = (key: string) =>
  new StoreError('AlreadyExists', `key already exists: ${key}`, key);

export const conflict = (key: string, expected: number, actual: number) =>
  new StoreError(
    'Conflict',
    `revision conflict on ${key}: expected ${expected}, latest is ${actual}`,
    key,
  );

export const expired = (requested: number, compacted: number) =>
  new StoreError(
    'Expired',
    `revision ${requested} has been compacted (oldest available is ${compacted})`,
    undefined,
    { requested, bound: compacted },
  );

export const futureRevision = (requested: number, current: number) =>
  new StoreError(
    'FutureRevision',
    `revision ${requested} is newer than the current revision ${current}`,
    undefined,
    { requested, bound: current },
  );

/** Refuses a read at a revision the store does not have yet or has compacted away. */
export function assertReadable(revision: number, current: number, compacted: number): void {
  if (revision > current) throw futureRevision(revision, current);
  if (revision < compacted) throw expired(revision, compacted);
}

export const closed = () => new StoreError('Closed', 'the store is closed');
