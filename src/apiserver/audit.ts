/**
 * The audit log: one JSON line per request, in the shape of upstream's audit.k8s.io/v1
 * Event at level Metadata and stage ResponseComplete (so tools that read kube-apiserver
 * audit logs read this one), plus the logical cluster the request was in.
 *
 * Metadata only, never bodies: a line says who did what to which object and how it went,
 * so Secret data, tokens and passwords cannot end up in it. The request URI is kept, but
 * its query loses any parameter that could carry a credential.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { microTimestamp } from '../apimachinery/meta.ts';
import type { RequestInfo } from './http/request-info.ts';
import type { UserInfo } from './rest/scope.ts';

export const AUDIT_LOG_FILE = 'audit.log';

/** Annotation keys this server adds to each event. */
export const CLUSTER_ANNOTATION = 'canopy.io/logical-cluster';
export const LATENCY_ANNOTATION = 'canopy.io/latency';
export const DECISION_ANNOTATION = 'authorization.k8s.io/decision';
export const REASON_ANNOTATION = 'authorization.k8s.io/reason';

/** Everything a line is made of, gathered by the request path. */
export interface AuditRecord {
  /** When the request arrived (ms since the epoch). */
  readonly received: number;
  /** When the response completed (ms since the epoch). */
  readonly completed: number;
  readonly method: string;
  /** The URL as requested, path and query. */
  readonly requestURI: string;
  /** Undefined when authentication failed. */
  readonly user?: UserInfo;
  /** Who the request acted as, when it impersonated someone. */
  readonly impersonatedUser?: UserInfo;
  /** The request's info, when it got that far (resource requests and non-resource ones). */
  readonly info?: RequestInfo;
  /** The logical cluster, once the path was routed to one. */
  readonly cluster?: string;
  readonly code: number;
  readonly userAgent?: string;
  readonly sourceIPs: readonly string[];
  readonly decision?: 'allow' | 'forbid';
  readonly reason?: string;
  /** The name a create gave its object (the URL names none), as upstream's objectRef has. */
  readonly createdName?: string;
}

const createdNames = new WeakMap<object, string>();

/** Remembers the name of the object a create request made, for its audit line. */
export function noteCreatedName(response: object, name: string): void {
  createdNames.set(response, name);
}

/** The name `noteCreatedName` remembered for this response. */
export function createdNameOf(response: object): string | undefined {
  return createdNames.get(response);
}

/** Query parameters dropped from the logged URI: nothing that may hold a secret is kept. */
const SECRET_QUERY = /token|password|secret|key|credential|auth/i;

export function sanitizeRequestURI(uri: string): string {
  const q = uri.indexOf('?');
  if (q < 0) return uri;
  const params = new URLSearchParams(uri.slice(q + 1));
  for (const name of [...params.keys()]) if (SECRET_QUERY.test(name)) params.delete(name);
  const rest = params.toString();
  return rest ? `${uri.slice(0, q)}?${rest}` : uri.slice(0, q);
}

function userOf(user: UserInfo): Record<string, unknown> {
  return {
    username: user.username,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: [...user.groups],
    // Extra values are credential ids and cluster names, not credentials.
    ...(user.extra && Object.keys(user.extra).length > 0 ? { extra: user.extra } : {}),
  };
}

/** The audit.k8s.io/v1 Event of one request. */
export function auditEvent(
  record: AuditRecord,
  auditID: string = randomUUID(),
): Record<string, unknown> {
  const info = record.info;
  const annotations: Record<string, string> = {
    [LATENCY_ANNOTATION]: `${Math.max(0, record.completed - record.received).toFixed(3)}ms`,
  };
  if (record.cluster) annotations[CLUSTER_ANNOTATION] = record.cluster;
  if (record.decision) annotations[DECISION_ANNOTATION] = record.decision;
  if (record.reason) annotations[REASON_ANNOTATION] = record.reason;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: sanitizeRequestURI(record.requestURI),
    verb: info?.verb ?? record.method.toLowerCase(),
    user: record.user
      ? userOf(record.user)
      : { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    ...(record.impersonatedUser ? { impersonatedUser: userOf(record.impersonatedUser) } : {}),
    sourceIPs: [...record.sourceIPs],
    ...(record.userAgent ? { userAgent: record.userAgent } : {}),
    ...(info?.isResourceRequest
      ? {
          objectRef: {
            resource: info.resource,
            ...(info.namespace ? { namespace: info.namespace } : {}),
            ...(info.name || record.createdName ? { name: info.name || record.createdName } : {}),
            ...(info.apiGroup ? { apiGroup: info.apiGroup } : {}),
            apiVersion: info.apiVersion,
            ...(info.subresource ? { subresource: info.subresource } : {}),
          },
        }
      : {}),
    responseStatus: { metadata: {}, code: record.code },
    requestReceivedTimestamp: microTimestamp(new Date(record.received)),
    stageTimestamp: microTimestamp(new Date(record.completed)),
    annotations,
  };
}

/** `X-Forwarded-For` first (as upstream's utilnet.SourceIPs), then the peer address. */
export function sourceIPs(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  remoteAddress: string | undefined,
): string[] {
  const out: string[] = [];
  const forwarded = headers['x-forwarded-for'];
  const fwd = Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '');
  for (const ip of fwd.split(',')) if (ip.trim()) out.push(ip.trim());
  const real = headers['x-real-ip'];
  if (typeof real === 'string' && real.trim() && !out.includes(real.trim())) out.push(real.trim());
  const remote = remoteAddress?.replace(/^::ffff:/, '');
  if (remote && !out.includes(remote)) out.push(remote);
  return out;
}

/** Appends events to a file, buffered (a line per request never waits for the disk). */
export class AuditLog {
  readonly path: string;
  private readonly stream: WriteStream;
  private failed: Error | undefined;

  constructor(path: string) {
    this.path = path;
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.stream.on('error', (err) => {
      this.failed = err;
    });
  }

  /** The error that stopped the writer, if any (for health reporting). */
  get error(): Error | undefined {
    return this.failed;
  }

  write(record: AuditRecord): void {
    if (this.failed) return;
    this.stream.write(`${JSON.stringify(auditEvent(record))}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.stream.closed || this.stream.destroyed) return resolve();
      this.stream.end(() => resolve());
    });
  }
}
