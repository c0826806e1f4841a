/**
 * The catalog as the hub sees it: every CatalogEntry of `root:kedge`, cached by a
 * list+watch reflector through the control plane's public API, and the portal's view of it.
 */

import {
  CATALOG_RESOURCE,
  CATALOG_VERSION,
  type CatalogEntry,
  type PermissionClaimSpec,
  PROVIDERS_GROUP,
} from '../api/providers/types.ts';
import type { KubeClient, ResourceRef } from '../controller/kube/client.ts';
import { Reflector } from '../controller/kube/reflector.ts';
import type { Logger } from '../logging/logger.ts';
import { categoriesOf, type ProvidersDTO, providerDto } from './providers-dto.ts';

export const CATALOG_ENTRIES: ResourceRef = {
  group: PROVIDERS_GROUP,
  version: CATALOG_VERSION,
  plural: CATALOG_RESOURCE,
  namespaced: false,
};

export class Catalog {
  readonly reflector: Reflector<CatalogEntry>;
  readonly #builtins: () => ReadonlySet<string>;
  /** Claims as the reconcile found them (an export managed elsewhere has its own). */
  readonly #claims = new Map<string, PermissionClaimSpec[]>();

  /** `client` is the hub's admin client in the catalog workspace. */
  constructor(client: KubeClient, log: Logger, builtins: () => ReadonlySet<string>) {
    this.reflector = new Reflector<CatalogEntry>({
      client,
      ref: CATALOG_ENTRIES,
      key: (e) => e.metadata.name ?? '',
      log,
      name: 'catalogentries',
    });
    this.#builtins = builtins;
  }

  start(): Promise<void> {
    return this.reflector.start();
  }

  get(name: string): CatalogEntry | undefined {
    return this.reflector.get(name);
  }

  list(): CatalogEntry[] {
    return this.reflector
      .list()
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  }

  setClaims(name: string, claims: PermissionClaimSpec[]): void {
    this.#claims.set(name, claims);
  }

  /** The claims tenants are asked to accept when they enable `entry`. */
  claimsOf(entry: CatalogEntry): PermissionClaimSpec[] {
    return (
      this.#claims.get(entry.metadata.name ?? '') ?? entry.spec.apiExport?.permissionClaims ?? []
    );
  }

  /** Built-in means registered in code, not only labelled so: a label anyone could write. */
  isBuiltin(name: string): boolean {
    return this.#builtins().has(name);
  }

  /** What `GET /api/providers` answers: entries being deleted are no longer offered. */
  providers(): ProvidersDTO {
    const items = this.list()
      .filter((e) => !e.metadata.deletionTimestamp)
      .map((e) =>
        providerDto(e, {
          builtin: this.isBuiltin(e.metadata.name ?? ''),
          claims: this.claimsOf(e).map((c) => ({
            group: c.group ?? '',
            resource: c.resource,
            verbs: [...(c.verbs ?? [])],
            tenantScoped: c.tenantScoped === true,
          })),
        }),
      );
    return { items, categories: categoriesOf(items) };
  }

  stop(): Promise<void> {
    return this.reflector.stop();
  }
}
