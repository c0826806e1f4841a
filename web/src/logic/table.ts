/**
 * The list view's data: rows of a meta.k8s.io Table (the printer columns `kubectl get`
 * shows), kept current by the Table events of a watch, and cells rendered as kubectl
 * renders them. Every value ends up as text: the view never interprets a cell as markup.
 */
import type { ObjectMeta } from '../../../src/apimachinery/meta.ts';
import type { Table, TableColumnDefinition, TableRow } from '../../../src/apimachinery/table.ts';

export type { Table, TableColumnDefinition, TableRow };

/** kubectl's HumanDuration: 45s, 5m10s, 3h, 2d4h, 400d, 3y20d. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8)
    return hours % 24 === 0
      ? `${Math.floor(hours / 24)}d`
      : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (years < 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A cell as text. Dates that are timestamps become ages against `now` (the Age column is
 * recomputed from the object's creationTimestamp, so a row received minutes ago stays
 * right); missing values print as kubectl's `<none>`.
 */
export function formatCell(
  value: unknown,
  column: TableColumnDefinition,
  now: number,
  meta?: ObjectMeta,
): string {
  if (column.type === 'date') {
    const stamp =
      column.name === 'Age' && meta?.creationTimestamp
        ? meta.creationTimestamp
        : typeof value === 'string' && RFC3339.test(value)
          ? value
          : undefined;
    if (stamp) {
      const at = Date.parse(stamp);
      if (!Number.isNaN(at)) return humanDuration(now - at);
    }
  }
  if (value === null || value === undefined || value === '') return '<none>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** The columns shown: priority 0 (kubectl's default), or all of them when wide. */
export function visibleColumns(
  columns: readonly TableColumnDefinition[],
  wide: boolean,
): { column: TableColumnDefinition; index: number }[] {
  return columns
    .map((column, index) => ({ column, index }))
    .filter(({ column }) => wide || column.priority === 0);
}

export function rowMeta(row: TableRow): ObjectMeta {
  return row.object?.metadata ?? {};
}

/** Identity of a row across events: uid, else namespace/name. */
export function rowKey(row: TableRow): string {
  const meta = rowMeta(row);
  return meta.uid ?? `${meta.namespace ?? ''}/${meta.name ?? String(row.cells[0])}`;
}

export interface TableState {
  readonly columns: readonly TableColumnDefinition[];
  readonly rows: readonly TableRow[];
  readonly resourceVersion: string;
}

export function tableState(table: Table): TableState {
  return {
    columns: table.columnDefinitions ?? [],
    rows: sortRows(table.rows),
    resourceVersion: table.metadata.resourceVersion ?? '',
  };
}

function sortRows(rows: readonly TableRow[]): TableRow[] {
  return [...rows].sort((a, b) => {
    const ma = rowMeta(a);
    const mb = rowMeta(b);
    return (
      (ma.namespace ?? '').localeCompare(mb.namespace ?? '') ||
      (ma.name ?? '').localeCompare(mb.name ?? '')
    );
  });
}

/** A watch event (its object is a Table of the changed row) applied to the list. */
export function applyTableEvent(
  state: TableState,
  type: string,
  table: Table | undefined,
): TableState {
  if (table?.kind !== 'Table') return state;
  const columns = table.columnDefinitions?.length ? table.columnDefinitions : state.columns;
  const resourceVersion =
    table.rows.map((r) => rowMeta(r).resourceVersion).find((rv) => rv) ?? state.resourceVersion;
  const changed = new Map(table.rows.map((r) => [rowKey(r), r]));
  let rows: TableRow[];
  if (type === 'DELETED') {
    rows = state.rows.filter((r) => !changed.has(rowKey(r)));
  } else {
    rows = state.rows.map((r) => {
      const key = rowKey(r);
      const next = changed.get(key);
      if (!next) return r;
      changed.delete(key);
      return next;
    });
    rows = changed.size > 0 ? sortRows([...rows, ...changed.values()]) : rows;
  }
  return { columns, rows, resourceVersion };
}

/** How many rows `columnTemplate` reads to size the columns (the rest scroll by). */
const SIZING_ROWS = 200;

/**
 * The grid columns of a list: each as wide as its header or the longest of its first
 * SIZING_ROWS cells (6 to 48 characters), then sharing what space is left, the first
 * (the name) twice as much. Every row uses the same template, so columns line up.
 */
export function columnTemplate(
  rows: readonly TableRow[],
  columns: readonly { column: TableColumnDefinition; index: number }[],
  now: number,
  namespace: boolean,
): string {
  const sample = rows.slice(0, SIZING_ROWS);
  const width = (header: string, texts: string[]) => {
    const longest = Math.max(header.length, ...texts.map((t) => t.length));
    return Math.min(48, Math.max(6, longest)) + 3;
  };
  const parts: string[] = [];
  if (namespace) {
    parts.push(
      `minmax(${width(
        'Namespace',
        sample.map((r) => rowMeta(r).namespace ?? ''),
      )}ch, 1fr)`,
    );
  }
  columns.forEach(({ column, index }, i) => {
    const texts = sample.map((r) => formatCell(r.cells[index], column, now, rowMeta(r)));
    parts.push(`minmax(${width(column.name, texts)}ch, ${i === 0 ? 2 : 1}fr)`);
  });
  return parts.join(' ');
}
