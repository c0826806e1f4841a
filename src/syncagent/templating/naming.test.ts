import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { DEFAULT_NAMING } from '../apis/types.ts';
import { localObjectName, renderIdentifier } from './naming.ts';

const obj = (name: string, namespace?: string): KubeObject => ({
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

describe('naming rules', () => {
  const ctx = { clusterName: 'testcluster' };
  const o = obj('objname', 'objnamespace');

  it('defaults like api-syncagent: namespace per workspace, hashed name', () => {
    expect(localObjectName(DEFAULT_NAMING, o, ctx, true)).toEqual({
      namespace: 'testcluster',
      name: '2928c2aa0e510f017f07-73d08a1ba188f1340dae',
    });
  });

  it('replaces the legacy placeholders, hashes before plain names', () => {
    expect(renderIdentifier('$remoteClusterName', o, ctx)).toBe('testcluster');
    expect(renderIdentifier('foobar-$remoteClusterName', o, ctx)).toBe('foobar-testcluster');
    expect(renderIdentifier('$remoteNamespace', o, ctx)).toBe('objnamespace');
    expect(renderIdentifier('$remoteName', o, ctx)).toBe('objname');
    // SHA-1, first 20 hex characters.
    expect(renderIdentifier('$remoteNamespaceHash-$remoteNameHash', o, ctx)).toBe(
      'e75ee3d444e238331f6a-8b09d63c82efb771a2c5',
    );
    expect(renderIdentifier('static', o, ctx)).toBe('static');
  });

  it('renders Go templates with .Object, .ClusterName and .ClusterPath', () => {
    expect(
      renderIdentifier('{{ .ClusterPath }}/{{ .Object.metadata.name }}', o, {
        ...ctx,
        clusterPath: 'root:org',
      }),
    ).toBe('root:org/objname');
  });

  it('ignores the namespace for cluster-scoped copies and refuses empty results', () => {
    expect(localObjectName({ namespace: 'x', name: '$remoteName' }, o, ctx, false)).toEqual({
      namespace: '',
      name: 'objname',
    });
    expect(() => localObjectName({ namespace: 'x', name: '{{ "" }}' }, o, ctx, true)).toThrow(
      /empty name/,
    );
  });
});
