import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LOGICAL_CLUSTERS_GVR,
  type LogicalCluster,
  WORKSPACES_GVR,
  type Workspace,
} from '../api/tenancy/types.ts';
import { nameOf } from '../apimachinery/meta.ts';
import { type TestEnv, testEnv } from '../apiserver/authz/testing.ts';
import { silentLogger } from '../logging/logger.ts';
import { tenancyTypes } from './apis/index.ts';
import { ClusterIndex } from './cluster-index.ts';

let env: TestEnv;
let index: ClusterIndex;

beforeEach(() => {
  env = testEnv(tenancyTypes);
  index = new ClusterIndex(env.store, silentLogger());
});

afterEach(async () => {
  index.stop();
  await env.close();
});

const workspace = async (name: string, cluster: string): Promise<Workspace> =>
  (await env.client.resource('root', WORKSPACES_GVR).create({
    apiVersion: 'tenancy.kcp.io/v1alpha1',
    kind: 'Workspace',
    metadata: { name },
    spec: { cluster },
  })) as Workspace;

const logicalCluster = (cluster: string, owner?: Workspace) =>
  env.client.resource(cluster, LOGICAL_CLUSTERS_GVR).create({
    apiVersion: 'core.kcp.io/v1alpha1',
    kind: 'LogicalCluster',
    metadata: {
      name: 'cluster',
      annotations: { 'kcp.io/path': owner ? `root:${owner.metadata.name}` : cluster },
    },
    spec: owner
      ? {
          owner: {
            apiVersion: 'tenancy.kcp.io/v1alpha1',
            resource: 'workspaces',
            name: nameOf(owner),
            cluster: 'root',
            uid: owner.metadata.uid as string,
          },
        }
      : {},
  } satisfies LogicalCluster);

describe('the path index', () => {
  it('resolves a path only through workspaces into the logical clusters they own', async () => {
    await logicalCluster('root');
    const team = await workspace('team', 'c1');
    await logicalCluster('c1', team);
    // A second Workspace naming the same logical cluster does not own it.
    await workspace('thief', 'c1');
    // Nor does one naming a cluster that exists but is owned by nobody.
    await logicalCluster('orphan');
    await workspace('adopter', 'orphan');
    await index.start();
    expect(index.resolve('root')).toBe('root');
    expect(index.resolve('root:team')).toBe('c1');
    expect(index.resolve('c1')).toBe('c1');
    expect(index.resolve('root:thief')).toBeUndefined();
    expect(index.resolve('root:adopter')).toBeUndefined();
    expect(index.resolve('root:nothing')).toBeUndefined();
    expect(index.info('c1')).toMatchObject({ path: 'root:team', ownerUid: team.metadata.uid });
  });
});
