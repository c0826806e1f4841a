/**
 * PostgreSQL, Canopy's first-party provider: CloudNativePG's `Cluster` and `Database`,
 * exported as `postgresql.cnpg.io` from `root:providers:database` by the sync agent that
 * `canopy up` runs (it fills the export's schemas and claims from the service cluster),
 * run by Canopy's PostgreSQL operator. The hub offers that export as it is.
 */
import type { BuiltinProvider } from './index.ts';

/** Where `canopy up` sets up the workshop's provider: its workspace and export. */
export const POSTGRESQL_WORKSPACE = 'root:providers:database';
export const POSTGRESQL_EXPORT = 'postgresql.cnpg.io';

export const postgresql: BuiltinProvider = {
  name: 'postgresql',
  spec: {
    displayName: 'PostgreSQL',
    description:
      'PostgreSQL clusters and databases with CloudNativePG’s API: ask for a Cluster and a Database, get a running server and its credentials in a Secret.',
    category: 'Databases',
    vendor: 'Canopy',
    apiExport: {
      name: POSTGRESQL_EXPORT,
      path: POSTGRESQL_WORKSPACE,
      // The sync agent's claims: the Secrets it carries both ways, the namespaces they live
      // in, and the events it records — all in the tenant's own workspace.
      permissionClaims: [
        { group: '', resource: 'secrets', verbs: ['*'], tenantScoped: true },
        { group: '', resource: 'namespaces', verbs: ['*'], tenantScoped: true },
        { group: '', resource: 'events', verbs: ['*'], tenantScoped: true },
      ],
    },
  },
};
