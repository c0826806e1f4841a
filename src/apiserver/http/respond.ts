/**
 * Writing responses: JSON (or YAML) bodies with the right status code and headers, Status
 * errors with the HTTP code they carry, and Warning headers kubectl prints.
 */
import type { ServerResponse } from 'node:http';
import type { JsonValue } from '../../apimachinery/meta.ts';
import { type Status, StatusError } from '../../apimachinery/status.ts';
import { toYaml } from '../../apimachinery/yaml.ts';
import { storeToStatus } from '../rest/resource-storage.ts';

export function writeJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  options: {
    yaml?: boolean;
    /** Indented JSON (`?pretty=true`, curl, browsers). */
    pretty?: boolean;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): void {
  const text = options.yaml
    ? toYaml(body as JsonValue)
    : options.pretty
      ? `${JSON.stringify(body, null, 2)}\n`
      : JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': options.contentType ?? (options.yaml ? 'application/yaml' : 'application/json'),
    'Content-Length': Buffer.byteLength(text),
    ...options.headers,
  });
  res.end(text);
}

export function writeStatus(res: ServerResponse, status: Status, pretty = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  const retry = status.details?.retryAfterSeconds;
  if (retry !== undefined && (status.code === 429 || status.code >= 500))
    headers['Retry-After'] = String(retry);
  writeJson(res, status.code, status, { headers, pretty });
}

/**
 * Writes any error as a Status: a store error as its Status (503 while etcd is away), and
 * anything else that is not a StatusError as a 500.
 */
export function writeError(res: ServerResponse, err: unknown, pretty = false): StatusError {
  const status = err instanceof StatusError ? err : storeToStatus(err);
  writeStatus(res, status.status, pretty);
  return status;
}

/** Adds `Warning: 299 - "…"` headers, as kube-apiserver does. */
export function addWarnings(res: ServerResponse, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  const existing = res.getHeader('Warning');
  const values = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
  res.setHeader('Warning', [...values, ...warnings.map((w) => `299 - ${JSON.stringify(w)}`)]);
}
