/**
 * Storage key layout, as kcp orders it: group and resource before the logical cluster, so
 * one prefix scan answers both a list in one workspace and a list across all of them:
 *
 *   /<group|core>/<resource>/<identity|->/<cluster>/<namespace|->/<name>
 *
 * `identity` is the APIExport identity hash for resources bound through an export ("-"
 * otherwise); `-` stands for "no namespace" on cluster-scoped objects.
 */
import { StoreError } from './errors.ts';

export interface ResourceKeyParts {
  /** API group; "" is the core group. */
  readonly group: string;
  /** Plural resource name. */
  readonly resource: string;
  /** Identity hash of the APIExport the resource is bound from, if any. */
  readonly identity?: string;
}

export interface ObjectKeyParts extends ResourceKeyParts {
  readonly cluster: string;
  readonly namespace?: string;
  readonly name: string;
}

const NONE = '-';
const CORE = 'core';

/** Keys are printable ASCII without spaces, so byte order and JS string order agree. */
const KEY = /^\/[\x21-\x7e]*$/;
const SEGMENT = /^[\x21-\x2e\x30-\x7e]+$/;
export const MAX_KEY_LENGTH = 2048;

export function assertValidKey(key: string): void {
  if (key.length > MAX_KEY_LENGTH || !KEY.test(key) || key.includes('//')) {
    throw new StoreError('InvalidKey', `invalid storage key ${JSON.stringify(key)}`, key);
  }
}

export function assertValidPrefix(prefix: string): void {
  if (prefix !== '/') assertValidKey(prefix);
}

function segment(value: string, what: string): string {
  if (!SEGMENT.test(value)) {
    throw new StoreError('InvalidKey', `invalid ${what} in storage key: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Prefix of every object of a resource, in every logical cluster. */
export function resourcePrefix(p: ResourceKeyParts): string {
  return `/${segment(p.group || CORE, 'group')}/${segment(p.resource, 'resource')}/${p.identity ? segment(p.identity, 'identity') : NONE}/`;
}

/** Prefix of every object of a resource in one logical cluster (and namespace, if given). */
export function clusterPrefix(
  p: ResourceKeyParts & { cluster: string; namespace?: string | undefined },
): string {
  const base = `${resourcePrefix(p)}${segment(p.cluster, 'cluster')}/`;
  return p.namespace === undefined ? base : `${base}${segment(p.namespace, 'namespace')}/`;
}

export function objectKey(p: ObjectKeyParts): string {
  return `${clusterPrefix({ ...p, namespace: p.namespace || NONE })}${segment(p.name, 'name')}`;
}

/** The logical cluster of an object key, without parsing the rest (hot paths: watches, lists). */
export function clusterOfKey(key: string): string {
  return key.split('/')[4] ?? '';
}

export function parseObjectKey(key: string): ObjectKeyParts {
  const parts = key.split('/');
  if (parts.length !== 7 || parts[0] !== '') {
    throw new StoreError('InvalidKey', `not an object key: ${JSON.stringify(key)}`, key);
  }
  const [, group, resource, identity, cluster, namespace, name] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    group: group === CORE ? '' : group,
    resource,
    ...(identity === NONE ? {} : { identity }),
    cluster,
    ...(namespace === NONE ? {} : { namespace }),
    name,
  };
}

/** The smallest string greater than every string that starts with `prefix`. */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
