/**
 * List-then-watch, the informer pattern: list once, then watch from the list's
 * resourceVersion, resuming from the last event after the server ends a watch and listing
 * again when the server says that revision is gone (410). Runs until the signal aborts, or
 * until the server refuses with a 4xx other than 410 and 429 (asking again would not help).
 */
import { type Api, ApiError } from './http.ts';
import { withQuery } from './paths.ts';
import { watchStream } from './watch.ts';

export interface FollowHandlers<L, E> {
  /** A fresh list; returns the resourceVersion to watch from. */
  readonly onList: (list: L) => string;
  /** One event; returns the resourceVersion to resume from (or '' to keep the last). */
  readonly onEvent: (type: string, object: E) => string;
  readonly onError: (error: Error) => void;
}

const RETRY_MS = [500, 1000, 2000, 5000];

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function follow<L, E>(
  api: Api,
  path: string,
  query: Record<string, string | undefined>,
  accept: string,
  handlers: FollowHandlers<L, E>,
  signal: AbortSignal,
): Promise<void> {
  let resourceVersion = '';
  let failures = 0;
  while (!signal.aborted) {
    try {
      if (!resourceVersion) {
        const list = await api.json<L>(withQuery(path, query), { accept, signal });
        resourceVersion = handlers.onList(list);
      }
      let gone = false;
      await watchStream<E & { code?: number }>(
        api,
        withQuery(path, {
          ...query,
          watch: '1',
          resourceVersion,
          allowWatchBookmarks: 'true',
        }),
        accept,
        (event) => {
          failures = 0;
          if (event.type === 'ERROR') {
            if (event.object.code === 410) gone = true;
            return;
          }
          if (event.type === 'BOOKMARK') {
            const rv = (event.object as { metadata?: { resourceVersion?: string } }).metadata
              ?.resourceVersion;
            if (rv) resourceVersion = rv;
            return;
          }
          resourceVersion = handlers.onEvent(event.type, event.object) || resourceVersion;
        },
        signal,
      );
      if (gone) resourceVersion = '';
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.code === 410) {
        resourceVersion = '';
        continue;
      }
      handlers.onError(err as Error);
      // A refusal (forbidden, not found, bad request) will not change by asking again.
      if (err instanceof ApiError && err.code >= 400 && err.code < 500 && err.code !== 429) return;
      // A list that fails is not retried in a tight loop; a watch that breaks resumes.
      await sleep(RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!, signal);
      failures++;
    }
  }
}
