/**
 * Logical cluster path arithmetic (kcp's logicalcluster.Path): a path is colon-separated
 * segments (`root:consumers:pg`), joined and split textually. Shared by the server's
 * tenancy code and the kubectl plugins, which are clients and import only `apimachinery/`.
 */

/** `parent:name`; joining onto the empty path gives `name`. */
export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}:${name}`;
}

/** Splits at the last `:`: `root:a:b` → [`root:a`, `b`]; `root` → [``, `root`]. */
export function splitPath(path: string): [parent: string, name: string] {
  const i = path.lastIndexOf(':');
  return i < 0 ? ['', path] : [path.slice(0, i), path.slice(i + 1)];
}

/** The parent path, or undefined for a single-segment path. */
export function parentPath(path: string): string | undefined {
  const [parent] = splitPath(path);
  return parent === '' ? undefined : parent;
}
