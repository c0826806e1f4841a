/**
 * Streams a watch: one JSON event per line, written and flushed as it happens, as Tables
 * when the client asked for them (column definitions on the first row only) or as
 * PartialObjectMetadata, until the client goes away, the timeout passes, or the watch ends
 * with an ERROR event.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { IncludeObject, Table } from '../../apimachinery/table.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import type { ObjectWatch } from '../rest/watch.ts';
import { toTable } from './table-convert.ts';

export interface WatchStreamOptions {
  readonly type: ResourceType;
  readonly table?: { version: Table['apiVersion']; include: IncludeObject } | undefined;
  /** Stream PartialObjectMetadata (metadata-only clients, informers) of this meta.k8s.io version. */
  readonly partial?: 'v1' | 'v1beta1' | undefined;
  /** Client-requested timeout; without one the server picks 30–60 minutes, as upstream. */
  readonly timeoutSeconds?: number | undefined;
  readonly onEvent?: () => void;
}

/**
 * An event's object as JSON, written once for every watcher that sends it: watchers of the
 * same resource and version share decoded objects (ObjectWatch), so a write fanned out to
 * hundreds of watchers is serialized once.
 */
const serialized = new WeakMap<object, string>();

function eventLine(type: string, object: object): string {
  let json = serialized.get(object);
  if (json === undefined) {
    json = JSON.stringify(object);
    serialized.set(object, json);
  }
  return `{"type":${JSON.stringify(type)},"object":${json}}\n`;
}

/**
 * An object as PartialObjectMetadata, made once per object and version, so watchers of the
 * same event share it (and its serialization) as they share the object.
 */
const partials = new WeakMap<object, Map<string, object>>();

function partialOf(object: KubeObject, version: 'v1' | 'v1beta1'): object {
  let byVersion = partials.get(object);
  if (!byVersion) {
    byVersion = new Map();
    partials.set(object, byVersion);
  }
  let partial = byVersion.get(version);
  if (!partial) {
    partial = {
      kind: 'PartialObjectMetadata',
      apiVersion: `meta.k8s.io/${version}`,
      metadata: object.metadata,
    };
    byVersion.set(version, partial);
  }
  return partial;
}

const MIN_SERVER_TIMEOUT_S = 1800;
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function streamWatch(
  req: IncomingMessage,
  res: ServerResponse,
  watch: ObjectWatch,
  options: WatchStreamOptions,
): Promise<void> {
  const timeout =
    options.timeoutSeconds !== undefined && options.timeoutSeconds > 0
      ? options.timeoutSeconds
      : MIN_SERVER_TIMEOUT_S * (1 + Math.random());
  // Timers hold at most 2^31-1 ms (about 24 days); a longer one would fire at once.
  const timer = setTimeout(() => watch.close(), Math.min(timeout * 1000, MAX_TIMER_MS));
  const stop = () => watch.close();
  req.on('close', stop);
  res.on('close', stop);

  res.writeHead(200, {
    'Content-Type': options.table
      ? `application/json;as=Table;g=meta.k8s.io;v=${options.table.version.slice('meta.k8s.io/'.length)}`
      : options.partial
        ? `application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=${options.partial}`
        : 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  let first = true;
  try {
    for await (const event of watch) {
      let object: object = event.object;
      if (
        options.table &&
        (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
      ) {
        object = toTable(options.type, [event.object as KubeObject], {
          version: options.table.version,
          include: options.table.include,
          noHeaders: !first,
        });
        first = false;
      } else if (options.partial && event.type !== 'ERROR') {
        // Metadata only, bookmarks included: a metadata client never sees the rest.
        object = partialOf(event.object as KubeObject, options.partial);
      }
      options.onEvent?.();
      // A table row is this watcher's own (column definitions on its first row only).
      const line = options.table
        ? `${JSON.stringify({ type: event.type, object })}\n`
        : eventLine(event.type, object);
      if (!res.write(line)) {
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
      }
      if (res.destroyed) break;
      if (event.type === 'ERROR') break;
    }
  } finally {
    clearTimeout(timer);
    req.off('close', stop);
    res.off('close', stop);
    watch.close();
    if (!res.destroyed) res.end();
  }
}
