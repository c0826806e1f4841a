/**
 * Kubernetes Status errors (k8s.io/apimachinery/pkg/api/errors): every failure a client
 * sees is a Status with the upstream code, reason, message shape and details, so kubectl
 * and client libraries print and classify it as they would against kube-apiserver.
 */
import { type FieldError, fieldErrorMessage } from './field-errors.ts';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | '';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { resourceVersion?: string; continue?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** The resource an error is about: plural resource and group, as upstream names them. */
export interface ResourceRef {
  readonly group: string;
  readonly resource: string;
}

/** `configmaps` or `widgets.example.com`: how upstream qualifies a resource in messages. */
export function qualifiedResource(ref: ResourceRef): string {
  return ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
}

export class StatusError extends Error {
  override readonly name = 'StatusError';
  readonly status: Status;

  constructor(status: Omit<Status, 'kind' | 'apiVersion' | 'metadata' | 'status'>) {
    super(status.message ?? status.reason ?? 'error');
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      ...status,
    };
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): StatusReason | undefined {
    return this.status.reason;
  }
}

export function isStatusError(err: unknown, reason?: StatusReason): err is StatusError {
  return err instanceof StatusError && (reason === undefined || err.reason === reason);
}

const details = (ref: ResourceRef, name: string | undefined): StatusDetails => ({
  ...(name ? { name } : {}),
  ...(ref.group ? { group: ref.group } : {}),
  kind: ref.resource,
});

export function badRequest(message: string, causes?: StatusCause[]): StatusError {
  return new StatusError({
    code: 400,
    reason: 'BadRequest',
    message,
    ...(causes ? { details: { causes } } : {}),
  });
}

export function unauthorized(message = 'Unauthorized'): StatusError {
  return new StatusError({ code: 401, reason: 'Unauthorized', message });
}

export function forbidden(ref: ResourceRef, name: string | undefined, why: string): StatusError {
  const what = name ? `${qualifiedResource(ref)} "${name}"` : qualifiedResource(ref);
  return new StatusError({
    code: 403,
    reason: 'Forbidden',
    message: `${what} is forbidden: ${why}`,
    details: details(ref, name),
  });
}

/** A 403 that is not about one resource (non-resource URLs, workspace access). */
export function forbiddenMessage(message: string): StatusError {
  return new StatusError({ code: 403, reason: 'Forbidden', message, details: {} });
}

export function notFound(ref: ResourceRef, name: string): StatusError {
  return new StatusError({
    code: 404,
    reason: 'NotFound',
    message: `${qualifiedResource(ref)} "${name}" not found`,
    details: details(ref, name),
  });
}

/** 404 for a path that names no resource at all. */
export function notFoundPath(
  message = 'the server could not find the requested resource',
): StatusError {
  return new StatusError({ code: 404, reason: 'NotFound', message, details: {} });
}

export function alreadyExists(ref: ResourceRef, name: string): StatusError {
  return new StatusError({
    code: 409,
    reason: 'AlreadyExists',
    message: `${qualifiedResource(ref)} "${name}" already exists`,
    details: details(ref, name),
  });
}

export function conflict(ref: ResourceRef, name: string, why: string): StatusError {
  return new StatusError({
    code: 409,
    reason: 'Conflict',
    message: `Operation cannot be fulfilled on ${qualifiedResource(ref)} "${name}": ${why}`,
    details: details(ref, name),
  });
}

export const OBJECT_MODIFIED =
  'the object has been modified; please apply your changes to the latest version and try again';

/** 422 with one cause per field error; `kind` is the Kind, as upstream reports it. */
export function invalid(
  gk: { group: string; kind: string },
  name: string,
  errors: readonly FieldError[],
): StatusError {
  const messages = errors.map(fieldErrorMessage);
  const aggregate = messages.length === 1 ? (messages[0] as string) : `[${messages.join(', ')}]`;
  return new StatusError({
    code: 422,
    reason: 'Invalid',
    message: `${gk.kind}${gk.group ? `.${gk.group}` : ''} "${name}" is invalid: ${aggregate}`,
    details: {
      name,
      ...(gk.group ? { group: gk.group } : {}),
      kind: gk.kind,
      causes: errors.map((e) => ({
        reason: e.type,
        message: fieldErrorMessage({ ...e, field: '' }),
        field: e.field,
      })),
    },
  });
}

export function expired(message: string): StatusError {
  return new StatusError({ code: 410, reason: 'Expired', message });
}

export function gone(message: string): StatusError {
  return new StatusError({ code: 410, reason: 'Gone', message });
}

export function methodNotAllowed(
  message = 'the server does not allow this method on the requested resource',
): StatusError {
  return new StatusError({ code: 405, reason: 'MethodNotAllowed', message, details: {} });
}

export function notAcceptable(accepted: readonly string[]): StatusError {
  return new StatusError({
    code: 406,
    reason: 'NotAcceptable',
    message: `only the following media types are accepted: ${accepted.join(', ')}`,
  });
}

export function unsupportedMediaType(
  contentType: string,
  accepted: readonly string[],
): StatusError {
  return new StatusError({
    code: 415,
    reason: 'UnsupportedMediaType',
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    details: { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] },
  });
}

export function requestEntityTooLarge(limit: number | string): StatusError {
  return new StatusError({
    code: 413,
    reason: 'RequestEntityTooLarge',
    message: typeof limit === 'number' ? `Request entity too large: limit is ${limit}` : limit,
  });
}

export function tooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return new StatusError({
    code: 429,
    reason: 'TooManyRequests',
    message,
    details: { retryAfterSeconds },
  });
}

export function internalError(err: unknown): StatusError {
  const message = err instanceof Error ? err.message : String(err);
  return new StatusError({
    code: 500,
    reason: 'InternalError',
    message: `Internal error occurred: ${message}`,
    details: { causes: [{ message }] },
  });
}

/** The store (etcd) cannot be reached: retry later. */
export function serviceUnavailable(message: string, retryAfterSeconds = 1): StatusError {
  return new StatusError({
    code: 503,
    reason: 'ServiceUnavailable',
    message,
    details: { retryAfterSeconds },
  });
}

/** The store did not answer in time; a write's outcome is unknown. */
export function timeout(message: string, retryAfterSeconds = 1): StatusError {
  return new StatusError({ code: 504, reason: 'Timeout', message, details: { retryAfterSeconds } });
}

export function resourceVersionTooLarge(requested: number, current: number): StatusError {
  return new StatusError({
    code: 504,
    reason: 'Timeout',
    message: `Too large resource version: ${requested}, current: ${current}`,
    details: {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds: 1,
    },
  });
}

/** The Status a successful delete of a whole collection or a non-object answer returns. */
export function success(details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details ? { details } : {}),
    code: 200,
  };
}
