/** The tenancy and core kcp APIs every workspace serves (not served in plain mode). */
import type { ResourceType } from '../../apiserver/registry/resource-type.ts';
import { logicalClusters } from './logicalclusters.ts';
import { workspaces } from './workspaces.ts';
import { workspaceTypes } from './workspacetypes.ts';

export { logicalClusters, workspaces, workspaceTypes };

export const tenancyTypes: readonly ResourceType[] = [workspaces, workspaceTypes, logicalClusters];
