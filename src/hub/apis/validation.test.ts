import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../../api/providers/types.ts';
import { parseInlineSchema, validateCatalogEntry } from './validation.ts';

const schema = (group: string, plural: string, extra = '') =>
  [
    'apiVersion: apis.kcp.io/v1alpha1',
    'kind: APIResourceSchema',
    'metadata:',
    `  name: v1.${plural}.${group}`,
    'spec:',
    `  group: ${group}`,
    `  names: {kind: Widget, listKind: WidgetList, plural: ${plural}, singular: widget}`,
    '  scope: Namespaced',
    '  versions:',
    '  - name: v1',
    '    served: true',
    '    storage: true',
    extra || '    schema: {type: object}',
  ].join('\n');

/** Billion laughs: ten levels of ten aliases each. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 10; i++)
    lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

const entry = (spec: Partial<CatalogEntry['spec']>, name = 'p'): CatalogEntry => ({
  apiVersion: 'providers.kedge.faros.sh/v1alpha1',
  kind: 'CatalogEntry',
  metadata: { name },
  spec: { displayName: 'P', ...spec },
});

const fields = (e: CatalogEntry) => validateCatalogEntry(e).map((x) => `${x.type} ${x.field}`);

describe('parseInlineSchema', () => {
  it('takes a CRD-style body (schema.openAPIV3Schema) as kcp’s schema', () => {
    const parsed = parseInlineSchema(
      schema('x.io', 'widgets', '    schema:\n      openAPIV3Schema: {type: object}'),
    );
    expect(parsed.ok && parsed.schema.spec.versions[0]?.schema).toEqual({ type: 'object' });
  });

  it.each([
    ['a: [', 'does not parse as YAML'],
    ['kind: ConfigMap\napiVersion: v1', 'must be an APIResourceSchema document'],
    [
      'kind: APIResourceSchema\napiVersion: apis.kcp.io/v2',
      'must have apiVersion apis.kcp.io/v1alpha1',
    ],
    [
      'kind: APIResourceSchema\napiVersion: apis.kcp.io/v1alpha1\nspec: {}',
      'must have metadata.name',
    ],
    [`${schema('x.io', 'widgets')}\n---\n${schema('x.io', 'widgets')}`, 'does not parse as YAML'],
    [schema('x.io', 'Widgets'), 'is not a valid APIResourceSchema'],
    [aliasBomb(), 'does not parse as YAML'],
  ])('refuses %j', (body, message) => {
    const parsed = parseInlineSchema(body);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toContain(message);
  });
});

describe('validateCatalogEntry', () => {
  it('accepts a full entry', () => {
    expect(
      fields(
        entry({
          iconURL: '/ui/providers/p/icon.svg',
          dependencies: [{ name: 'q' }],
          ui: { url: 'http://ui.example:8080' },
          backend: { url: 'https://backend.example', healthPath: '/healthz' },
          apiExport: {
            name: 'p.providers.kedge.faros.sh',
            permissionClaims: [
              { group: '', resource: 'configmaps', verbs: ['get', '*'], tenantScoped: true },
            ],
            schemas: [{ groupResource: 'widgets.x.io', body: schema('x.io', 'widgets') }],
          },
        }),
      ),
    ).toEqual([]);
  });

  it.each<[string, Partial<CatalogEntry['spec']>, string[]]>([
    [
      'a self dependency',
      { dependencies: [{ name: 'p' }] },
      ['FieldValueInvalid spec.dependencies[0].name'],
    ],
    [
      'duplicate dependencies',
      { dependencies: [{ name: 'q' }, { name: 'q' }] },
      ['FieldValueDuplicate spec.dependencies[1].name'],
    ],
    ['a javascript: icon', { iconURL: 'javascript:alert(1)' }, ['FieldValueInvalid spec.iconURL']],
    ['a relative UI URL', { ui: { url: 'ui:8080' } }, ['FieldValueInvalid spec.ui.url']],
    [
      'a health path without /',
      { backend: { url: 'http://b', healthPath: 'healthz' } },
      ['FieldValueInvalid spec.backend.healthPath'],
    ],
    [
      'a bad export name',
      { apiExport: { name: 'Not_A_Name' } },
      ['FieldValueInvalid spec.apiExport.name'],
    ],
    [
      'claims without verbs, with unknown verbs, twice',
      {
        apiExport: {
          name: 'x',
          permissionClaims: [
            { resource: 'secrets' },
            { resource: 'secrets', verbs: ['get', 'steal'] },
          ],
        },
      },
      [
        'FieldValueRequired spec.apiExport.permissionClaims[0].verbs',
        'FieldValueDuplicate spec.apiExport.permissionClaims[1]',
        'FieldValueNotSupported spec.apiExport.permissionClaims[1].verbs[1]',
      ],
    ],
    [
      'a schema for another group',
      {
        apiExport: {
          name: 'x',
          schemas: [{ groupResource: 'widgets.x.io', body: schema('y.io', 'widgets') }],
        },
      },
      ['FieldValueInvalid spec.apiExport.schemas[0].groupResource'],
    ],
    [
      'the same resource twice',
      {
        apiExport: {
          name: 'x',
          schemas: [
            { groupResource: 'widgets.x.io', body: schema('x.io', 'widgets') },
            { groupResource: 'widgets.x.io', body: schema('x.io', 'widgets') },
          ],
        },
      },
      ['FieldValueDuplicate spec.apiExport.schemas[1].groupResource'],
    ],
    [
      'schemas for an export the hub does not manage',
      {
        apiExport: {
          name: 'x',
          path: 'root:providers:database',
          schemas: [{ groupResource: 'widgets.x.io', body: schema('x.io', 'widgets') }],
        },
      },
      ['FieldValueForbidden spec.apiExport.schemas'],
    ],
  ])('refuses %s', (_, spec, expected) => {
    expect(fields(entry(spec))).toEqual(expected);
  });
});
