/**
 * Logical cluster paths as the kcp plugins see them: colon-separated segments
 * (`root:consumers:pg`), joined, split and resolved textually (`.`, `..`), and the
 * `/clusters/<path>` part of a server URL. Joining and splitting live in
 * `apimachinery/logicalcluster.ts`, shared with the server.
 */
import { joinPath, splitPath } from '../../apimachinery/logicalcluster.ts';

const SEGMENT = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const PATH_RE = new RegExp(`^${SEGMENT}(:${SEGMENT})*$`);

/** The path of the root workspace. */
export const ROOT = 'root';

/** True for a well-formed path (or the wildcard `*`). The empty path is not valid. */
export function isValidPath(path: string): boolean {
  return path === '*' || PATH_RE.test(path);
}

/** The last segment. */
export function baseName(path: string): string {
  return splitPath(path)[1];
}

/** The first segment (the top of a tree, usually `root`). */
export function topOf(path: string): string {
  const i = path.indexOf(':');
  return i < 0 ? path : path.slice(0, i);
}

/** True when `path` is `prefix` or below it. */
export function hasPathPrefix(path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || path.startsWith(`${prefix}:`);
}

/**
 * Removes `.` and `..` segments textually. Going above the first segment is an error
 * with `message`; `..` on a single segment yields the empty path (which callers then
 * reject as invalid), as kcp's plugin does.
 */
export function resolveDots(path: string, message = 'cannot go up from root'): string {
  let out = '';
  for (const part of path.split(':')) {
    if (part === '.') continue;
    if (part === '..') {
      if (out === '') throw new Error(message);
      out = splitPath(out)[0];
      continue;
    }
    out = joinPath(out, part);
  }
  return out;
}

/**
 * Resolves a workspace argument against the current path: a leading `:` makes it
 * absolute, anything else is relative; then dots are resolved. Does not validate.
 */
export function resolveAgainst(current: string, arg: string, message?: string): string {
  const joined = arg.startsWith(':') ? arg.slice(1) : joinPath(current, arg);
  return resolveDots(joined, message);
}

export interface ClusterURL {
  /** The server URL with the `/clusters/...` part (and anything after it) removed, no trailing slash. */
  readonly base: string;
  /** The logical cluster path or name from the URL. */
  readonly path: string;
}

/**
 * Splits `https://host[/prefix]/clusters/<path>[/...]` into base URL and path. Returns
 * undefined when the URL has no `/clusters/` part or the path is not valid.
 */
export function parseClusterURL(server: string): ClusterURL | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return undefined;
  }
  const marker = '/clusters/';
  const at = url.pathname.indexOf(marker);
  if (at < 0) return undefined;
  const rest = url.pathname.slice(at + marker.length);
  const slash = rest.indexOf('/');
  const path = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
  if (!isValidPath(path)) return undefined;
  return { base: `${url.protocol}//${url.host}${trimSlashes(url.pathname.slice(0, at))}`, path };
}

/**
 * The base URL API requests are made against: the server URL without its
 * `/clusters/...` suffix (front-proxy or shard, any prefix kept), or just scheme and host
 * for a URL that does not point at a workspace (a mount, a plain cluster).
 */
export function baseURL(server: string): string {
  const parsed = parseClusterURL(server);
  if (parsed) return parsed.base;
  try {
    const url = new URL(server);
    return `${url.protocol}//${url.host}`;
  } catch {
    return server.replace(/\/+$/, '');
  }
}

/** `<base>/clusters/<path>`. */
export function clusterURL(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/clusters/${path}`;
}

/** The request path prefix for a workspace: `/clusters/<path>`. */
export function requestPath(path: string): string {
  return `/clusters/${path}`;
}

function trimSlashes(pathname: string): string {
  const collapsed = pathname.replace(/\/+/g, '/').replace(/\/$/, '');
  return collapsed === '/' ? '' : collapsed;
}
