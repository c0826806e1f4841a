import { describe, expect, it } from 'vitest';
import type { APIBinding } from '../../../src/api/apis/types.ts';
import type { Provider } from '../api/hub.ts';
import {
  categoriesOf,
  matchesSearch,
  missingDependencies,
  providerBadge,
} from './provider-state.ts';

const postgres: Provider = {
  name: 'postgresql',
  displayName: 'PostgreSQL',
  description: 'Managed PostgreSQL clusters',
  category: 'Databases',
  ready: true,
  apiExportPath: 'root:providers:database',
  apiExportCluster: 'lc-database',
  apiExportName: 'postgresql.cnpg.io',
};
const backups: Provider = {
  name: 'backups',
  displayName: 'Backups',
  category: 'Databases',
  ready: true,
  dependencies: [{ name: 'postgresql' }],
  apiExportPath: 'root:providers:backups',
  apiExportName: 'backups.example.com',
};

function binding(path: string, name: string, phase: 'Bound' | 'Binding' | ''): APIBinding {
  return {
    apiVersion: 'apis.kcp.io/v1alpha2',
    kind: 'APIBinding',
    metadata: { name },
    spec: { reference: { export: { path, name } } },
    status: {
      phase,
      conditions: [
        {
          type: 'Ready',
          status: phase === 'Bound' ? 'True' : 'False',
          message: 'waiting for the export',
        },
      ],
    },
  };
}

describe('provider badges', () => {
  const catalog = [postgres, backups];

  it('reads Enabled from a Bound binding of the export, Enabling from any other', () => {
    const bound = [binding('root:providers:database', 'postgresql.cnpg.io', 'Bound')];
    expect(providerBadge(postgres, bound, catalog).kind).toBe('enabled');
    const pending = [binding('root:providers:database', 'postgresql.cnpg.io', 'Binding')];
    expect(providerBadge(postgres, pending, catalog)).toEqual({
      kind: 'enabling',
      label: 'Enabling',
      detail: 'waiting for the export',
    });
  });

  it('does not take a binding of another path with the same export name for its own', () => {
    const other = [binding('root:elsewhere', 'postgresql.cnpg.io', 'Bound')];
    expect(providerBadge(postgres, other, catalog).kind).toBe('available');
  });

  it('recognises a binding that names the export by its logical cluster', () => {
    const byCluster = [binding('lc-database', 'postgresql.cnpg.io', 'Bound')];
    expect(providerBadge(postgres, byCluster, catalog).kind).toBe('enabled');
    // A binding in the export's own workspace names no path; kcp resolves the cluster.
    const resolved = binding('', 'postgresql.cnpg.io', 'Bound');
    resolved.spec.reference.export = { name: 'postgresql.cnpg.io' };
    expect(providerBadge(postgres, [resolved], catalog).kind).toBe('available');
    resolved.status = { ...resolved.status, apiExportClusterName: 'lc-database' };
    expect(providerBadge(postgres, [resolved], catalog).kind).toBe('enabled');
    // Before the hub has seen the export's workspace, only the path counts.
    const unseen = { ...postgres, apiExportCluster: '' };
    expect(providerBadge(unseen, byCluster, catalog).kind).toBe('available');
    expect(
      providerBadge(postgres, [binding('lc-other', 'postgresql.cnpg.io', 'Bound')], catalog).kind,
    ).toBe('available');
  });

  it('is Blocked, naming the dependency, until the dependency is enabled', () => {
    expect(providerBadge(backups, [], catalog)).toEqual({
      kind: 'blocked',
      label: 'Blocked',
      detail: 'Enable PostgreSQL first.',
    });
    const bound = [binding('root:providers:database', 'postgresql.cnpg.io', 'Bound')];
    expect(providerBadge(backups, bound, catalog).kind).toBe('available');
    expect(
      missingDependencies({ ...backups, dependencies: [{ name: 'gone' }] }, bound, catalog),
    ).toEqual(['gone']);
  });

  it('needs no binding for a provider without an export', () => {
    const uiOnly: Provider = { name: 'ui', displayName: 'UI', ready: true, hasUI: true };
    expect(providerBadge(uiOnly, [], catalog)).toEqual({ kind: 'enabled', label: 'Enabled' });
    expect(providerBadge({ ...uiOnly, ready: false }, [], catalog).kind).toBe('notReady');
  });

  it('says Built-in for a built-in without an export, and Not ready', () => {
    const builtinUi = { ...postgres, builtin: true, apiExportName: '', apiExportPath: '' };
    expect(providerBadge(builtinUi, [], catalog).label).toBe('Built-in');
    // A built-in that exports an API is enabled per workspace like any other.
    expect(providerBadge({ ...postgres, builtin: true }, [], catalog).kind).toBe('available');
    expect(providerBadge({ ...postgres, ready: false }, [], catalog).kind).toBe('notReady');
  });
});

describe('catalog filters', () => {
  it('matches search text in names, description and category, and the chosen category', () => {
    expect(matchesSearch(postgres, 'managed', null)).toBe(true);
    expect(matchesSearch(postgres, 'POSTGRES', 'Databases')).toBe(true);
    expect(matchesSearch(postgres, '', 'AI')).toBe(false);
    expect(matchesSearch(postgres, 'redis', null)).toBe(false);
  });

  it('orders categories by the hub, unknown ones by name, Other last', () => {
    const providers: Provider[] = [
      { ...postgres, category: 'Zeta' },
      { ...postgres, category: undefined },
      { ...postgres, category: 'Alpha' },
      { ...postgres, category: 'Edges' },
    ];
    expect(categoriesOf(providers, [{ name: 'Edges', order: 10 }])).toEqual([
      'Edges',
      'Alpha',
      'Zeta',
      'Other',
    ]);
  });
});
