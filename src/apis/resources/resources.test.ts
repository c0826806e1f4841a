import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apimachinery/meta.ts';
import { checkStructural } from '../../apimachinery/schema/structural.ts';
import { apiResourceSchemas, parseSchemaName } from './apiresourceschemas.ts';
import { apisTypes } from './index.ts';

describe('apis.kcp.io types', () => {
  it.each(apisTypes.map((t) => [t.names.kind, t] as const))(
    '%s has structural schemas',
    (_kind, type) => {
      for (const [version, schema] of Object.entries(type.schemas ?? {})) {
        expect(
          checkStructural(schema.raw, version, { statusSubresource: !!type.subresources.status }),
        ).toEqual([]);
      }
    },
  );

  it('parses schema names, with core for the empty group', () => {
    expect(parseSchemaName('v250101.clusters.postgresql.cnpg.io')).toEqual({
      prefix: 'v250101',
      plural: 'clusters',
      group: 'postgresql.cnpg.io',
    });
    expect(parseSchemaName('v1.secrets.core')).toEqual({
      prefix: 'v1',
      plural: 'secrets',
      group: '',
    });
    expect(parseSchemaName('nodots')).toBeUndefined();
  });

  const ars = (name: string, group = 'example.com', plural = 'widgets'): KubeObject => ({
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name },
    spec: {
      group,
      names: { plural, singular: 'widget', kind: 'Widget' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { type: 'object' } }],
    },
  });
  const validate = (o: KubeObject) =>
    apiResourceSchemas.strategy.validate(o, { cluster: 'c', version: 'v1alpha1', subresource: '' });

  it('requires the <prefix>.<plural>.<group> name', () => {
    expect(validate(ars('v1.widgets.example.com'))).toEqual([]);
    expect(validate(ars('v1.things.example.com')).map((e) => e.field)).toEqual(['metadata.name']);
    expect(validate(ars('V1.widgets.example.com')).map((e) => e.field)).toEqual(['metadata.name']);
    expect(validate(ars('v1.configmaps.core', '', 'configmaps'))).toEqual([]);
    expect(validate(ars('v1.widgets.core', 'core')).map((e) => e.field)).toContain('spec.group');
  });

  it('refuses any change of spec', () => {
    const old = ars('v1.widgets.example.com');
    const changed = structuredClone(old);
    (changed.spec as { scope: string }).scope = 'Cluster';
    const errors = apiResourceSchemas.schemas?.v1alpha1?.validate(changed, old) ?? [];
    expect(errors.map((e) => e.detail)).toContain('spec is immutable');
  });
});
