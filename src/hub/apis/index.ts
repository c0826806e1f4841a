/**
 * The hub's API as the control plane serves it: CatalogEntry, in the catalog workspace
 * `root:kedge` only. The control plane's composition root (`server/`) adds this source and
 * the approval gate (`approval-admission.ts`) in workspace mode, whether or not a hub runs
 * in the same process, so a hub started elsewhere (`canopy hub`) finds both in place.
 */

import { CATALOG_WORKSPACE } from '../../api/providers/types.ts';
import type { TypeSource } from '../../apiserver/registry/type-registry.ts';
import { catalogEntries } from './catalogentries.ts';

/** `resolvePath` turns a workspace path into its logical cluster (undefined while there is none). */
export function catalogTypes(resolvePath: (path: string) => string | undefined): TypeSource {
  return {
    types: (cluster) => (resolvePath(CATALOG_WORKSPACE) === cluster ? [catalogEntries] : []),
  };
}
