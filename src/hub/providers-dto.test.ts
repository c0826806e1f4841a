import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '../api/providers/types.ts';
import { categoriesOf, providerDto } from './providers-dto.ts';

const entry = (
  name: string,
  spec: Partial<CatalogEntry['spec']>,
  ready?: boolean,
): CatalogEntry => ({
  metadata: { name },
  spec: { displayName: '', ...spec },
  ...(ready === undefined
    ? {}
    : {
        status: {
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '' }],
        },
      }),
});

describe('providerDto', () => {
  it('fills every field, defaulting the display name to the name', () => {
    expect(providerDto(entry('bare', {}), { builtin: false })).toEqual({
      name: 'bare',
      displayName: 'bare',
      description: '',
      category: '',
      vendor: '',
      version: '',
      ready: false,
      hasUI: false,
      hasBackend: false,
      iconURL: '',
      dependencies: [],
      children: [],
      apiExportPath: '',
      apiExportCluster: '',
      apiExportName: '',
      permissionClaims: [],
      builtin: false,
    });
  });

  it('names the provider workspace, or the export’s own path', () => {
    expect(
      providerDto(entry('a', { apiExport: { name: 'e' } }), { builtin: false }).apiExportPath,
    ).toBe('root:kedge:providers:a');
    expect(
      providerDto(entry('b', { apiExport: { name: 'e', path: 'root:providers:db' } }), {
        builtin: true,
      }),
    ).toMatchObject({ apiExportPath: 'root:providers:db', builtin: true });
  });

  it('names the export workspace’s logical cluster once the hub has seen it', () => {
    const seen = entry('d', { apiExport: { name: 'e' } });
    expect(providerDto(seen, { builtin: false }).apiExportCluster).toBe('');
    seen.status = { ...seen.status, logicalCluster: 'lc-d' };
    expect(providerDto(seen, { builtin: false }).apiExportCluster).toBe('lc-d');
    const uiOnly = entry('e', { ui: { url: 'http://ui' } });
    uiOnly.status = { ...uiOnly.status, logicalCluster: 'lc-e' };
    expect(providerDto(uiOnly, { builtin: false }).apiExportCluster).toBe('');
  });

  it('reads readiness from the Ready condition and claims from the entry unless given', () => {
    const e = entry(
      'c',
      {
        ui: { url: 'http://ui' },
        apiExport: { name: 'e', permissionClaims: [{ resource: 'secrets', verbs: ['get'] }] },
      },
      true,
    );
    expect(providerDto(e, { builtin: false })).toMatchObject({
      ready: true,
      hasUI: true,
      permissionClaims: [{ group: '', resource: 'secrets', verbs: ['get'], tenantScoped: false }],
    });
    const claims = [{ group: '', resource: 'events', verbs: ['*'], tenantScoped: true }];
    expect(providerDto(e, { builtin: false, claims }).permissionClaims).toEqual(claims);
  });
});

describe('categoriesOf', () => {
  it('lists the known categories, then the others entries name', () => {
    const items = [
      providerDto(entry('a', { category: 'Zeta' }), { builtin: false }),
      providerDto(entry('b', { category: 'Databases' }), { builtin: false }),
      providerDto(entry('c', { category: 'Alpha' }), { builtin: false }),
    ];
    const cats = categoriesOf(items);
    expect(cats.slice(-2)).toEqual([
      { name: 'Alpha', icon: 'puzzle', order: 100 },
      { name: 'Zeta', icon: 'puzzle', order: 100 },
    ]);
    expect(cats.filter((c) => c.name === 'Databases')).toHaveLength(1);
  });
});
