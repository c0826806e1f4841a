/**
 * What a request is about, from its method, path and query (upstream RequestInfoFactory):
 * a resource request (verb, group, version, namespace, resource, name, subresource) or a
 * non-resource one (discovery, health, version). The path is relative to the logical
 * cluster: `/clusters/<x>` has already been taken off.
 */
import { parseFieldSelector } from '../../apimachinery/fields.ts';
import { isPathSegmentName } from '../../apimachinery/validation/names.ts';
import { boundedSelector, isWatch } from './query.ts';

export interface RequestInfo {
  readonly isResourceRequest: boolean;
  /** The path relative to the cluster base, e.g. `/api/v1/namespaces/a/configmaps/b`. */
  readonly path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection; or the lower-cased method. */
  readonly verb: string;
  readonly apiPrefix: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  /**
   * The name a list or watch pins with `fieldSelector=metadata.name=<name>`: upstream puts
   * it in RequestInfo.Name, so RBAC rules with resourceNames allow `kubectl get cm x -w`.
   * Kept apart from `name` (the path's), which decides how the request is served.
   */
  readonly selectedName?: string;
  readonly parts: readonly string[];
}

const API_PREFIXES = new Set(['api', 'apis']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
/**
 * Subresources that take the connection over. A WebSocket upgrade is a GET, but what it
 * opens can write (a forwarded connection, a command's stdin): it needs `create`, as
 * kube-apiserver ≥ 1.35 requires too, not just `get`.
 */
const CONNECT_SUBRESOURCES = new Set(['attach', 'exec', 'portforward', 'tunnel']);

/** A percent-decoded path segment; one with malformed escapes (`%zz`) stays as it is. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function requestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
  // Segments are percent-decoded, as Go's URL.Path is (`clusterroles/a%3Ab` names `a:b`).
  let parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeSegment);
  const prefix = parts[0];
  if (!prefix || !API_PREFIXES.has(prefix)) return nonResource;
  parts = parts.slice(1);
  let apiGroup = '';
  if (prefix === 'apis') {
    if (parts.length < 2) return nonResource;
    apiGroup = parts[0] as string;
    parts = parts.slice(1);
  } else if (parts.length < 1) {
    return nonResource;
  }
  const apiVersion = parts[0] as string;
  parts = parts.slice(1);
  if (parts.length === 0) return { ...nonResource, apiPrefix: prefix, apiGroup, apiVersion };

  let verb: string;
  switch (method) {
    case 'POST':
      verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      verb = 'get';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = 'delete';
      break;
    default:
      verb = method.toLowerCase();
  }
  // Deprecated `/watch/` paths still mean watch.
  if (parts[0] === 'watch') {
    verb = 'watch';
    parts = parts.slice(1);
  }

  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1] as string;
    // /namespaces/x/status and /namespaces/x/finalize are subresources of the namespace
    // itself; anything else after the namespace name is a namespaced resource.
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] as string)) parts = parts.slice(2);
  }
  const resource = parts[0] ?? '';
  const name = parts[1] ?? '';
  const subresource = parts[2] ?? '';

  if (verb === 'get' && name !== '' && CONNECT_SUBRESOURCES.has(subresource)) verb = 'create';
  // `?watch` turns a GET of a collection into a watch; a GET of one object stays a get.
  if (verb === 'get' && name === '') verb = isWatch(query) ? 'watch' : 'list';
  if (verb === 'delete' && name === '') verb = 'deletecollection';
  const selectedName =
    name === '' && (verb === 'list' || verb === 'watch') ? nameFromFieldSelector(query) : undefined;

  return {
    isResourceRequest: true,
    path,
    verb,
    apiPrefix: prefix,
    apiGroup,
    apiVersion,
    namespace,
    resource,
    subresource,
    name,
    ...(selectedName ? { selectedName } : {}),
    parts,
  };
}

/**
 * `metadata.name` an `=`/`==` term of the field selector requires, when it is a valid path
 * segment name; a selector that does not parse names nothing (the handler answers 400).
 */
function nameFromFieldSelector(query: URLSearchParams): string | undefined {
  const text = query.get('fieldSelector');
  if (!text) return undefined;
  let name: string | undefined;
  try {
    name = parseFieldSelector(boundedSelector('fieldSelector', text)).requiresExactMatch(
      'metadata.name',
    );
  } catch {
    return undefined;
  }
  if (!name || isPathSegmentName(name).length > 0) return undefined;
  return name;
}
