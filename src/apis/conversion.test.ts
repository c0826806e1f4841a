import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../apimachinery/meta.ts';
import {
  bindingToV1alpha1,
  bindingToV1alpha2,
  exportToV1alpha1,
  exportToV1alpha2,
} from './conversion.ts';

const exportV2 = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIExport',
  metadata: { name: 'e' },
  spec,
});
const bindingV2 = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apis.kcp.io/v1alpha2',
  kind: 'APIBinding',
  metadata: { name: 'b' },
  spec,
});

describe('APIExport conversion', () => {
  it('maps schema names to resources and back', () => {
    const v1 = {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIExport',
      metadata: { name: 'e' },
      spec: {
        latestResourceSchemas: ['v1.widgets.example.com', 'v2.secrets.core'],
        permissionClaims: [{ group: '', resource: 'secrets', all: true }],
      },
    } as KubeObject;
    const v2 = exportToV1alpha2(v1);
    expect(v2.spec).toEqual({
      resources: [
        {
          name: 'widgets',
          group: 'example.com',
          schema: 'v1.widgets.example.com',
          storage: { crd: {} },
        },
        { name: 'secrets', group: '', schema: 'v2.secrets.core', storage: { crd: {} } },
      ],
      permissionClaims: [{ group: '', resource: 'secrets', verbs: ['*'] }],
    });
    expect(exportToV1alpha1(v2)).toEqual(v1);
  });

  it('keeps v1alpha2-only verbs through a round trip via v1alpha1', () => {
    const v2 = exportToV1alpha2(
      exportToV1alpha1(
        exportV2({
          permissionClaims: [{ group: '', resource: 'secrets', verbs: ['get', 'list'] }],
        }),
      ),
    );
    expect(v2.spec).toEqual({
      permissionClaims: [{ group: '', resource: 'secrets', verbs: ['get', 'list'] }],
    });
    expect(v2.metadata.annotations).toBeUndefined();
  });
});

describe('APIBinding conversion', () => {
  it('maps all to matchAll and verbs * both ways', () => {
    const v2 = bindingV2({
      reference: { export: { path: 'root:p', name: 'e' } },
      permissionClaims: [
        {
          group: '',
          resource: 'secrets',
          verbs: ['*'],
          selector: { matchAll: true },
          state: 'Accepted',
        },
      ],
    });
    const v1 = bindingToV1alpha1(v2);
    expect(v1.spec).toEqual({
      reference: { export: { path: 'root:p', name: 'e' } },
      permissionClaims: [{ group: '', resource: 'secrets', all: true, state: 'Accepted' }],
    });
    expect(v1.metadata.annotations).toBeUndefined();
    expect(bindingToV1alpha2(v1)).toEqual(v2);
  });

  it('keeps label selectors and verbs through a round trip via v1alpha1', () => {
    const v2 = bindingV2({
      reference: { export: { name: 'e' } },
      permissionClaims: [
        {
          group: '',
          resource: 'configmaps',
          verbs: ['get'],
          selector: { matchLabels: { a: 'b' } },
          state: 'Accepted',
        },
      ],
    });
    expect(bindingToV1alpha2(bindingToV1alpha1(v2))).toEqual(v2);
  });
});
