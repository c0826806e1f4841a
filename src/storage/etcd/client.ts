/**
 * A small etcd v3 client on @grpc/grpc-js: the calls the etcd store makes (range, txn,
 * compact, status) with a deadline on each, failover between endpoints, and the raw watch
 * stream, whose resumption the store owns (it knows which revision it has delivered).
 *
 * Why not the `etcd3` package: its watcher moves its resume point to the header revision
 * of the create response, so a watch that reconnects while still replaying history skips
 * the rest of it; a compacted start revision surfaces only as a "Watcher canceled" error
 * string; and it returns revisions as strings. The store needs exact resume points and
 * typed errors, and this client is the few calls it makes.
 *
 * Failover: one channel per endpoint; calls go to the endpoint that last answered. A read
 * that finds its endpoint unavailable is retried on the next one. A write is retried only
 * when it was never sent (the channel had no connection): a write lost mid-flight may have
 * committed, so it fails with Unavailable and the caller decides.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { StoreError } from '../errors.ts';

// ---- messages (the fields of rpc.proto this client uses) ------------------------------

export interface ResponseHeader {
  readonly revision: number;
  readonly member_id: number;
  readonly raft_term: number;
}

export interface EtcdKeyValue {
  readonly key: Buffer;
  readonly create_revision: number;
  readonly mod_revision: number;
  readonly version: number;
  readonly value: Buffer;
}

export interface EtcdEvent {
  /** 0 put, 1 delete. */
  readonly type: number;
  readonly kv: EtcdKeyValue;
  readonly prev_kv: EtcdKeyValue | null;
}

export interface RangeRequest {
  readonly key: Buffer;
  readonly range_end?: Buffer;
  readonly limit?: number;
  readonly revision?: number;
  readonly keys_only?: boolean;
  readonly count_only?: boolean;
  readonly serializable?: boolean;
  readonly min_mod_revision?: number;
}

export interface RangeResponse {
  readonly header: ResponseHeader;
  readonly kvs: EtcdKeyValue[];
  readonly more: boolean;
  readonly count: number;
}

export interface PutRequest {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly prev_kv?: boolean;
}

export interface DeleteRangeRequest {
  readonly key: Buffer;
  readonly prev_kv?: boolean;
}

export type RequestOp =
  | { readonly request_range: RangeRequest }
  | { readonly request_put: PutRequest }
  | { readonly request_delete_range: DeleteRangeRequest };

export interface ResponseOp {
  readonly response_range?: RangeResponse | null;
  readonly response_put?: {
    readonly header: ResponseHeader;
    readonly prev_kv: EtcdKeyValue | null;
  };
  readonly response_delete_range?: {
    readonly deleted: number;
    readonly prev_kvs: EtcdKeyValue[];
  } | null;
}

/** Compare targets and results, as numbered in rpc.proto. */
export const CompareTarget = { VERSION: 0, CREATE: 1, MOD: 2, VALUE: 3 } as const;
export const CompareResult = { EQUAL: 0, GREATER: 1, LESS: 2, NOT_EQUAL: 3 } as const;

export type Compare = {
  readonly key: Buffer;
  readonly result: number;
  readonly target: number;
} & (
  | { readonly create_revision: number }
  | { readonly mod_revision: number }
  | { readonly version: number }
  | { readonly value: Buffer }
);

export interface TxnRequest {
  readonly compare: Compare[];
  readonly success: RequestOp[];
  readonly failure: RequestOp[];
}

export interface TxnResponse {
  readonly header: ResponseHeader;
  readonly succeeded: boolean;
  readonly responses: ResponseOp[];
}

export interface WatchCreateRequest {
  readonly key: Buffer;
  readonly range_end: Buffer;
  readonly start_revision: number;
  readonly prev_kv: boolean;
  readonly progress_notify?: boolean;
}

export type WatchRequest =
  | { readonly create_request: WatchCreateRequest }
  | { readonly cancel_request: { readonly watch_id: number } };

export interface WatchResponse {
  readonly header: ResponseHeader;
  readonly watch_id: number;
  readonly created: boolean;
  readonly canceled: boolean;
  readonly compact_revision: number;
  readonly cancel_reason: string;
  readonly events: EtcdEvent[];
}

export interface StatusResponse {
  readonly header: ResponseHeader;
  readonly version: string;
  readonly leader: number;
  readonly errors: string[];
}

export type WatchStream = grpc.ClientDuplexStream<WatchRequest, WatchResponse>;

// ---- the service definitions -----------------------------------------------------------

const definition = protoLoader.loadSync(join(import.meta.dirname, 'rpc.proto'), {
  keepCase: true,
  longs: Number,
  defaults: true,
  oneofs: false,
});

interface Method<Req, Res> {
  readonly path: string;
  readonly requestSerialize: (req: Req) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Res;
}

/** A method of rpc.proto, typed with the message shapes above. */
function method<Req extends object, Res extends object>(
  service: string,
  name: string,
): Method<Req, Res> {
  const svc = definition[`etcdserverpb.${service}`] as protoLoader.ServiceDefinition;
  const m = svc[name];
  if (!m) throw new Error(`rpc.proto has no ${service}.${name}`);
  return {
    path: m.path,
    requestSerialize: (req) => m.requestSerialize(req),
    responseDeserialize: (bytes) => m.responseDeserialize(bytes) as Res,
  };
}

const RANGE = method<RangeRequest, RangeResponse>('KV', 'Range');
const TXN = method<TxnRequest, TxnResponse>('KV', 'Txn');
const COMPACT = method<{ revision: number; physical: boolean }, { header: ResponseHeader }>(
  'KV',
  'Compact',
);
const WATCH = method<WatchRequest, WatchResponse>('Watch', 'Watch');
const STATUS = method<Record<string, never>, StatusResponse>('Maintenance', 'Status');

// ---- options -----------------------------------------------------------------------------

export interface EtcdClientOptions {
  /** `http://host:port` or `https://host:port`, as kube-apiserver's --etcd-servers. */
  readonly endpoints: readonly string[];
  /** PEM files for TLS: the CA that signed etcd's certificate, and a client certificate. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Deadline of each call (default 10 s): a lost etcd fails requests, never hangs them. */
  readonly requestTimeoutMs?: number;
  /** Told of every call: its operation (range, txn, compact), seconds taken, whether it failed. */
  readonly onRequest?: (operation: string, seconds: number, failed: boolean) => void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** Watch responses carry old and new values of a batch of changes: allow big ones. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

interface Endpoint {
  readonly url: string;
  readonly client: grpc.Client;
}

export class EtcdClient {
  readonly endpoints: readonly string[];
  private readonly conns: Endpoint[];
  private readonly timeoutMs: number;
  private readonly onRequest: EtcdClientOptions['onRequest'];
  private current = 0;

  constructor(options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new Error('no etcd endpoint given');
    this.endpoints = options.endpoints;
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.onRequest = options.onRequest;
    this.conns = options.endpoints.map((url) => ({
      url,
      client: new grpc.Client(target(url), credentials(url, options), {
        'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
        'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
        // Reconnect quickly when etcd comes back (the default backs off to two minutes).
        'grpc.initial_reconnect_backoff_ms': 100,
        'grpc.max_reconnect_backoff_ms': 2000,
        // Notice a silently dead connection (etcd refuses pings more often than every 5 s).
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.keepalive_permit_without_calls': 1,
        // A wide connection window, so watch events never hold back answers on the one connection.
        'grpc-node.flow_control_window': 16 * 1024 * 1024,
      }),
    }));
  }

  /** The endpoint calls go to now. */
  get endpoint(): string {
    return (this.conns[this.current] as Endpoint).url;
  }

  range(req: RangeRequest, timeoutMs = this.timeoutMs): Promise<RangeResponse> {
    return this.measured('range', this.call(RANGE, req, true, timeoutMs));
  }

  txn(req: TxnRequest): Promise<TxnResponse> {
    return this.measured('txn', this.call(TXN, req, false));
  }

  async compact(revision: number): Promise<void> {
    await this.measured('compact', this.call(COMPACT, { revision, physical: false }, false));
  }

  private measured<T>(operation: string, call: Promise<T>): Promise<T> {
    const report = this.onRequest;
    if (!report) return call;
    const started = performance.now();
    return call.then(
      (res) => {
        report(operation, (performance.now() - started) / 1000, false);
        return res;
      },
      (err: unknown) => {
        report(operation, (performance.now() - started) / 1000, true);
        throw err;
      },
    );
  }

  /** Status of one endpoint (not failed over: it is about that member). */
  status(endpoint: string, timeoutMs = this.timeoutMs): Promise<StatusResponse> {
    const conn = this.conns.find((c) => c.url === endpoint);
    if (!conn) throw new Error(`unknown etcd endpoint ${endpoint}`);
    return unary(conn, STATUS, {}, timeoutMs);
  }

  /**
   * A new watch stream on the current endpoint (the next one when `rotate` is set, after
   * the previous stream failed). The caller writes create requests and reads responses.
   */
  watchStream(rotate: boolean): { stream: WatchStream; endpoint: string } {
    if (rotate) this.current = (this.current + 1) % this.conns.length;
    const conn = this.conns[this.current] as Endpoint;
    const stream = conn.client.makeBidiStreamRequest(
      WATCH.path,
      WATCH.requestSerialize,
      WATCH.responseDeserialize,
    );
    return { stream, endpoint: conn.url };
  }

  close(): void {
    for (const c of this.conns) c.client.close();
  }

  private async call<Req, Res>(
    m: Method<Req, Res>,
    req: Req,
    idempotent: boolean,
    timeoutMs = this.timeoutMs,
  ): Promise<Res> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (let attempt = 0; attempt < this.conns.length; attempt++) {
      const i = (this.current + attempt) % this.conns.length;
      const conn = this.conns[i] as Endpoint;
      try {
        const res = await unary(conn, m, req, Math.max(1, deadline - Date.now()));
        this.current = i;
        return res;
      } catch (err) {
        last = err;
        const e = err as grpc.ServiceError;
        const retry =
          e.code === grpc.status.UNAVAILABLE &&
          (idempotent || neverSent(e)) &&
          deadline > Date.now();
        if (!retry) break;
      }
    }
    throw toStoreError(last, this);
  }
}

function unary<Req, Res>(conn: Endpoint, m: Method<Req, Res>, req: Req, timeoutMs: number) {
  return new Promise<Res>((resolve, reject) => {
    // grpc-js captures a stack trace in every unary call (`new Error()`), to append the
    // caller's stack to a failure's message; the store words failures from the status
    // alone, and the capture was a sixth of the call's CPU. The call is set up
    // synchronously, so the limit is back before any other code runs.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      conn.client.makeUnaryRequest(
        m.path,
        m.requestSerialize,
        m.responseDeserialize,
        req,
        { deadline: Date.now() + timeoutMs },
        (err, res) =>
          err ? reject(Object.assign(err, { endpoint: conn.url })) : resolve(res as Res),
      );
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
}

/** grpc-js fails a call at once, before sending it, when its channel has no connection. */
function neverSent(err: grpc.ServiceError): boolean {
  return /No connection established|Connection refused|ECONNREFUSED/.test(err.details ?? '');
}

function target(url: string): string {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {}
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) {
    throw new Error(
      `etcd endpoint ${JSON.stringify(url)} is not a URL such as http://127.0.0.1:2379 (http or https)`,
    );
  }
  // URL keeps IPv6 hosts in brackets, as gRPC targets want them.
  return `${u.hostname}:${u.port || '2379'}`;
}

function credentials(url: string, o: EtcdClientOptions): grpc.ChannelCredentials {
  const tls = url.startsWith('https:');
  if (!tls) {
    if (o.certFile || o.caFile) {
      throw new Error(`etcd endpoint ${url} is http, but TLS files were given: use https://`);
    }
    return grpc.credentials.createInsecure();
  }
  if ((o.certFile === undefined) !== (o.keyFile === undefined)) {
    throw new Error('--etcd-certfile and --etcd-keyfile go together');
  }
  const read = (f: string | undefined) => (f === undefined ? null : readFileSync(f));
  return grpc.credentials.createSsl(read(o.caFile), read(o.keyFile), read(o.certFile));
}

/** Messages of etcd's server errors, as its gRPC status details carry them. */
const TOO_LARGE = /request is too large/;
const COMPACTED = /required revision has been compacted/;
const FUTURE = /required revision is a future revision/;

export function toStoreError(err: unknown, client: EtcdClient): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as grpc.ServiceError & { endpoint?: string };
  const where = e.endpoint ?? client.endpoint;
  // grpc-js wraps the socket error in words of its own; the socket error is what tells.
  const details = (e.details || e.message)
    .replace(/^No connection established\. Last error: (Error: )?/, '')
    .replace(/\.? Resolution note: .*$/, '');
  if (COMPACTED.test(details)) {
    return new StoreError('Expired', 'the requested revision has been compacted');
  }
  if (FUTURE.test(details)) {
    return new StoreError('FutureRevision', 'the requested revision is newer than etcd has');
  }
  if (TOO_LARGE.test(details)) {
    return new StoreError('TooLarge', `etcd refused the write: ${details}`);
  }
  if (e.code === grpc.status.DEADLINE_EXCEEDED) {
    return new StoreError('Timeout', `etcd at ${where} did not answer in time: ${details}`);
  }
  return new StoreError('Unavailable', `etcd at ${where} is unavailable: ${tlsHint(details)}`);
}

/** OpenSSL's words for the two TLS mistakes one makes with etcd, in the flags' terms. */
function tlsHint(details: string): string {
  if (/alert (bad certificate|certificate required|unknown ca)/.test(details)) {
    return 'etcd refused the client certificate (give --etcd-certfile and --etcd-keyfile, signed by a CA etcd trusts)';
  }
  if (/unable to verify|self[- ]signed certificate|certificate verify failed/.test(details)) {
    return "etcd's certificate is not signed by the CA given (--etcd-cafile)";
  }
  return details;
}
