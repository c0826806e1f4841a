import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { applyMergePatch, createMergePatch } from '../../../apimachinery/patch/merge-patch.ts';
import {
  buildObject,
  linkAnnotations,
  linkedSource,
  linkLabels,
  missingMetadata,
  patchFromState,
  syncContent,
  withoutManagedFields,
} from './metadata.ts';

const remote: KubeObject = {
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: {
    name: 'kcp',
    namespace: 'default',
    uid: 'u',
    resourceVersion: '5',
    generation: 2,
    finalizers: ['syncagent.kcp.io/cleanup'],
    labels: { app: 'x', 'claimed.internal.apis.kcp.io/abc': 'y' },
    annotations: {
      'kcp.io/cluster': 'lc',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      'related-resources.syncagent.kcp.io/creds': '{}',
      note: 'keep',
    },
  },
  spec: { instances: 1 },
  status: { phase: 'x' },
};

describe('synced content and links', () => {
  it('keeps spec, labels and annotations; drops server metadata, kcp internals and subresources', () => {
    expect(syncContent(remote, ['status'])).toEqual({
      spec: { instances: 1 },
      metadata: { labels: { app: 'x' }, annotations: { note: 'keep' } },
    });
    // Without a status subresource the status is content.
    expect(syncContent(remote, []).status).toEqual({ phase: 'x' });
  });

  it('links a copy to its source with hashed labels and plain annotations', () => {
    const src = { cluster: 'lc', namespace: 'default', name: 'kcp' };
    expect(linkLabels('agent', src)).toEqual({
      'syncagent.kcp.io/agent-name': 'agent',
      'syncagent.kcp.io/remote-object-cluster': 'lc',
      'syncagent.kcp.io/remote-object-namespace-hash': '7505d64a54e061b7acd54ccd58b49dc43500b635',
      'syncagent.kcp.io/remote-object-name-hash': '4dff74dc4e9c9a949c725f9416bfbe04277a423f',
    });
    const copy = buildObject(syncContent(remote, ['status']), {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      name: 'kcp',
      namespace: 'lc',
      labels: linkLabels('agent', src),
      annotations: linkAnnotations(src, 'root:org:ws'),
    });
    expect(copy.metadata.annotations).toEqual({
      note: 'keep',
      'syncagent.kcp.io/remote-object-namespace': 'default',
      'syncagent.kcp.io/remote-object-name': 'kcp',
      'syncagent.kcp.io/remote-object-workspace-path': 'root:org:ws',
    });
    expect(linkedSource(copy)).toEqual(src);
    expect(missingMetadata(copy, { 'syncagent.kcp.io/agent-name': 'agent', x: '1' }, {})).toEqual({
      labels: { x: '1' },
    });
  });

  it('a merge patch from the last synced state leaves service-side changes alone', () => {
    const lastKnown = syncContent(remote, ['status']);
    const edited: KubeObject = {
      ...remote,
      metadata: { ...remote.metadata, labels: {} },
      spec: { instances: 3 },
    };
    const patch = createMergePatch(lastKnown, syncContent(edited, ['status']));
    // Only what the tenant changed: instances, and the removed label key (not all labels).
    expect(patch).toEqual({ spec: { instances: 3 }, metadata: { labels: { app: null } } });
    const local = {
      metadata: {
        labels: { app: 'x', 'syncagent.kcp.io/agent-name': 'agent', 'provider/tier': 'gold' },
      },
      spec: { instances: 1, primaryUpdateStrategy: 'unsupervised' },
    };
    expect(applyMergePatch(local, patch ?? {})).toEqual({
      metadata: { labels: { 'syncagent.kcp.io/agent-name': 'agent', 'provider/tier': 'gold' } },
      spec: { instances: 3, primaryUpdateStrategy: 'unsupervised' },
    });
  });

  it('patches from the last synced state and restores the link metadata a copy lost', () => {
    const lastKnown = syncContent(remote, ['status']);
    const content = syncContent({ ...remote, spec: { instances: 2 } }, ['status']);
    const copy: KubeObject = {
      ...remote,
      metadata: { name: 'x', labels: { 'syncagent.kcp.io/agent-name': 'agent' } },
    };
    const links = { labels: { 'syncagent.kcp.io/agent-name': 'agent', x: '1' }, annotations: {} };
    expect(patchFromState(lastKnown, content, copy, links.labels, links.annotations)).toEqual({
      spec: { instances: 2 },
      metadata: { labels: { x: '1' }, annotations: {} },
    });
    const linked = { ...copy, metadata: { ...copy.metadata, labels: links.labels } };
    expect(patchFromState(lastKnown, lastKnown, linked, links.labels, links.annotations)).toEqual(
      {},
    );
  });

  it('compares objects without their managedFields', () => {
    const a: KubeObject = { ...remote, metadata: { ...remote.metadata, managedFields: [{}] } };
    expect(withoutManagedFields(a)).toEqual(remote);
    expect(a.metadata.managedFields).toEqual([{}]);
  });
});
