/**
 * The catalog entries of built-in providers, written as the hub starts: each enabled
 * built-in's entry is created or put back to its compiled-in spec (labelled
 * `providers.kedge.faros.sh/builtin=true`), and labelled entries of built-ins that are not
 * enabled are deleted.
 */
import {
  BUILTIN_LABEL,
  CATALOG_API_VERSION,
  type CatalogEntry,
} from '../../api/providers/types.ts';
import type { KubeClient } from '../../controller/kube/client.ts';
import { CATALOG_ENTRIES } from '../catalog.ts';
import type { BuiltinProvider } from './index.ts';

/** `client` is the hub's admin client in the catalog workspace. */
export async function syncBuiltins(
  client: KubeClient,
  enabled: readonly BuiltinProvider[],
): Promise<void> {
  for (const b of enabled) {
    const current = await client.getOrUndefined<CatalogEntry>(CATALOG_ENTRIES, undefined, b.name);
    if (!current) {
      await client.create<CatalogEntry>(CATALOG_ENTRIES, undefined, {
        apiVersion: CATALOG_API_VERSION,
        kind: 'CatalogEntry',
        metadata: { name: b.name, labels: { [BUILTIN_LABEL]: 'true' } },
        spec: b.spec,
      });
    } else if (
      JSON.stringify(current.spec) !== JSON.stringify(b.spec) ||
      current.metadata.labels?.[BUILTIN_LABEL] !== 'true'
    ) {
      await client.update(CATALOG_ENTRIES, undefined, b.name, {
        ...current,
        metadata: {
          ...current.metadata,
          labels: { ...current.metadata.labels, [BUILTIN_LABEL]: 'true' },
        },
        spec: b.spec,
      });
    }
  }
  const names = new Set(enabled.map((b) => b.name));
  const labelled = await client.list<CatalogEntry>(CATALOG_ENTRIES, undefined, {
    labelSelector: `${BUILTIN_LABEL}=true`,
  });
  for (const e of labelled.items) {
    if (!names.has(e.metadata.name ?? ''))
      await client.delete(CATALOG_ENTRIES, undefined, e.metadata.name ?? '');
  }
}
