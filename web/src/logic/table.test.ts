import { describe, expect, it } from 'vitest';
import type { Table, TableColumnDefinition } from '../../../src/apimachinery/table.ts';
import {
  applyTableEvent,
  columnTemplate,
  formatCell,
  humanDuration,
  tableState,
  visibleColumns,
} from './table.ts';

const col = (name: string, type: TableColumnDefinition['type'], priority = 0) => ({
  name,
  type,
  format: '',
  description: '',
  priority,
});

function table(rows: Array<[string, string, string]>, withColumns = true): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: '10' },
    ...(withColumns ? { columnDefinitions: [col('Name', 'string'), col('Status', 'string')] } : {}),
    rows: rows.map(([name, status, rv]) => ({
      cells: [name, status],
      object: {
        kind: 'PartialObjectMetadata',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: rv },
      },
    })),
  };
}

describe('cells', () => {
  it.each([
    [5_000, '5s'],
    [119_000, '119s'],
    [300_000, '5m'],
    [310_000, '5m10s'],
    [60 * 60_000, '60m'],
    [5 * 3_600_000 + 60_000, '5h1m'],
    [30 * 3_600_000, '30h'],
    [50 * 3_600_000, '2d2h'],
    [400 * 86_400_000, '400d'],
    [3 * 365 * 86_400_000 + 20 * 86_400_000, '3y20d'],
    [-5_000, '0s'],
  ])('%d ms reads %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('renders ages from creationTimestamp and timestamps as ages, the rest as text', () => {
    const now = Date.parse('2026-01-01T00:10:00Z');
    const meta = { creationTimestamp: '2026-01-01T00:00:00Z' };
    expect(formatCell('3m', col('Age', 'date'), now, meta)).toBe('10m');
    expect(formatCell('2026-01-01T00:09:00Z', col('Last Backup', 'date'), now)).toBe('60s');
    expect(formatCell('yesterday', col('When', 'date'), now)).toBe('yesterday');
    expect(formatCell(3, col('Instances', 'integer'), now)).toBe('3');
    expect(formatCell(false, col('Ready', 'boolean'), now)).toBe('false');
    expect(formatCell(undefined, col('Phase', 'string'), now)).toBe('<none>');
    expect(formatCell({ a: 1 }, col('Raw', 'string'), now)).toBe('{"a":1}');
    expect(formatCell('<img src=x onerror=alert(1)>', col('Label', 'string'), now)).toBe(
      '<img src=x onerror=alert(1)>',
    );
  });

  it('shows priority-0 columns unless wide', () => {
    const columns = [col('Name', 'string'), col('Node', 'string', 1), col('Age', 'date')];
    expect(visibleColumns(columns, false).map((c) => c.index)).toEqual([0, 2]);
    expect(visibleColumns(columns, true)).toHaveLength(3);
  });
});

describe('rows kept current by watch events', () => {
  it('adds, modifies and deletes rows by uid, keeping columns from the first table', () => {
    let state = tableState(table([['b', 'Pending', '1']]));
    state = applyTableEvent(state, 'ADDED', table([['a', 'Pending', '11']], false));
    expect(state.rows.map((r) => r.cells[0])).toEqual(['a', 'b']);
    expect(state.columns.map((c) => c.name)).toEqual(['Name', 'Status']);
    expect(state.resourceVersion).toBe('11');
    state = applyTableEvent(state, 'MODIFIED', table([['b', 'Healthy', '12']], false));
    expect(state.rows.map((r) => r.cells[1])).toEqual(['Pending', 'Healthy']);
    state = applyTableEvent(state, 'DELETED', table([['a', 'Pending', '13']], false));
    expect(state.rows.map((r) => r.cells[0])).toEqual(['b']);
    expect(state.resourceVersion).toBe('13');
  });

  it('ignores events that are not tables (bookmarks, errors)', () => {
    const state = tableState(table([['a', 'x', '1']]));
    expect(applyTableEvent(state, 'ERROR', undefined)).toBe(state);
  });
});

describe('column sizes', () => {
  it('sizes each column to its header or longest cell, the name column growing most', () => {
    const state = tableState(
      table([['a-rather-long-cluster-name', 'Cluster in healthy state', '1']]),
    );
    const shown = visibleColumns(state.columns, false);
    expect(columnTemplate(state.rows, shown, 0, true)).toBe(
      'minmax(12ch, 1fr) minmax(29ch, 2fr) minmax(27ch, 1fr)',
    );
    const long = tableState(table([['x'.repeat(100), 'ok', '1']]));
    expect(columnTemplate(long.rows, shown, 0, false)).toBe('minmax(51ch, 2fr) minmax(9ch, 1fr)');
  });
});
