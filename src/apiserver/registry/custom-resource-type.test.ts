import { describe, expect, it } from 'vitest';
import type { CustomResourceDefinitionVersion } from '../../api/apiextensions/types.ts';
import { type CustomResourceSpec, customResourceType } from './custom-resource-type.ts';
import { atVersion } from './resource-type.ts';

const spec = (v2: Partial<CustomResourceDefinitionVersion>): CustomResourceSpec => ({
  group: 'example.com',
  names: { plural: 'gizmos', kind: 'Gizmo' },
  scope: 'Namespaced',
  versions: [
    {
      name: 'v1',
      served: true,
      storage: true,
      additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
    },
    { name: 'v2', served: true, storage: false, ...v2 },
  ],
});
const compile = () => undefined;

describe('customResourceType', () => {
  it('has one type for versions that present alike', () => {
    const type = customResourceType(
      spec({
        additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      }),
      { compile },
    );
    expect(type.byVersion).toBeUndefined();
    expect(atVersion(type, 'v2')).toBe(type);
  });

  it('gives a version of its own columns, fields and subresources its own type, built once', () => {
    const type = customResourceType(
      spec({
        additionalPrinterColumns: [{ name: 'Color', type: 'string', jsonPath: '.spec.color' }],
        selectableFields: [{ jsonPath: '.spec.color' }],
        subresources: { status: {} },
      }),
      { compile },
    );
    const v2 = atVersion(type, 'v2');
    expect(atVersion(type, 'v2')).toBe(v2);
    expect(atVersion(type, 'v1')).toBe(type);
    expect(v2.strategy.columns.map((c) => c.name)).toEqual(['Name', 'Color']);
    expect(type.strategy.columns.map((c) => c.name)).toEqual(['Name', 'Size']);
    expect(v2.strategy.fieldNames).toEqual(['spec.color']);
    expect(type.strategy.fieldNames).toBeUndefined();
    expect(v2.subresources.status).toBe(true);
    expect(type.subresources.status).toBeUndefined();
  });
});
