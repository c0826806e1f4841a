/**
 * Names derived from a Cluster, as CloudNativePG derives them: instances `<cluster>-<n>`
 * (serials never reused), Secrets `<cluster>-superuser` / `<cluster>-app`, Services
 * `<cluster>-rw` / `<cluster>-ro` / `<cluster>-r`.
 */

export function instanceName(cluster: string, serial: number): string {
  return `${cluster}-${serial}`;
}

/** The serial of `<cluster>-<n>`, or undefined when the name is not one of the cluster's. */
export function instanceSerial(cluster: string, name: string): number | undefined {
  if (!name.startsWith(`${cluster}-`)) return undefined;
  const rest = name.slice(cluster.length + 1);
  if (!/^[1-9][0-9]*$/.test(rest)) return undefined;
  return Number(rest);
}

/** Sorts instance names by serial (kcp-2 before kcp-10). */
export function compareInstanceNames(a: string, b: string): number {
  const na = Number(/-(\d+)$/.exec(a)?.[1] ?? Number.NaN);
  const nb = Number(/-(\d+)$/.exec(b)?.[1] ?? Number.NaN);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export const superuserSecretName = (cluster: string) => `${cluster}-superuser`;
export const appSecretName = (cluster: string) => `${cluster}-app`;
export const writeServiceName = (cluster: string) => `${cluster}-rw`;
export const readServiceName = (cluster: string) => `${cluster}-r`;
export const readOnlyServiceName = (cluster: string) => `${cluster}-ro`;

export const clusterKey = (namespace: string, name: string) => `${namespace}/${name}`;
