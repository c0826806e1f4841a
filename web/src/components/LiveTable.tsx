/**
 * The rows of a Table, virtualized: only the rows in view (and a few around them) are in the
 * DOM, each a memoized component that re-renders only when its row, position or the clock
 * changes, so scrolling 1,000 rows costs a handful of row renders a frame.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useMemo, useRef } from 'react';
import { Link } from 'react-router';
import { routes, type TypeRoute } from '../app/routes.ts';
import {
  columnTemplate,
  formatCell,
  rowKey,
  rowMeta,
  type TableColumnDefinition,
  type TableRow,
} from '../logic/table.ts';

const ROW_HEIGHT = 40;

interface Shown {
  readonly column: TableColumnDefinition;
  readonly index: number;
}

interface RowProps {
  readonly row: TableRow;
  readonly index: number;
  readonly start: number;
  readonly template: string;
  readonly columns: readonly Shown[];
  readonly showNamespace: boolean;
  readonly now: number;
  readonly workspace: string;
  readonly type: TypeRoute;
}

const Row = memo(function Row({
  row,
  index,
  start,
  template,
  columns,
  showNamespace,
  now,
  workspace,
  type,
}: RowProps) {
  const meta = rowMeta(row);
  return (
    <tr
      aria-rowindex={index + 2}
      className="table-row"
      style={{
        gridTemplateColumns: template,
        position: 'absolute',
        top: 0,
        left: 0,
        right: 0,
        height: ROW_HEIGHT,
        transform: `translateY(${start}px)`,
      }}
    >
      {showNamespace ? <td className="cell">{meta.namespace ?? ''}</td> : null}
      {columns.map(({ column, index: cell }) => (
        <td key={column.name} className="cell">
          {cell === 0 ? (
            <Link
              to={routes.detail(workspace, type, meta.namespace, meta.name ?? String(row.cells[0]))}
            >
              {formatCell(row.cells[cell], column, now, meta)}
            </Link>
          ) : (
            formatCell(row.cells[cell], column, now, meta)
          )}
        </td>
      ))}
    </tr>
  );
});

export function LiveTable({
  caption,
  rows,
  columns,
  showNamespace,
  now,
  workspace,
  type,
}: {
  caption: string;
  rows: readonly TableRow[];
  columns: readonly Shown[];
  showNamespace: boolean;
  now: number;
  workspace: string;
  type: TypeRoute;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 6,
    // Let React batch scroll updates instead of rendering synchronously on every event.
    useFlushSync: false,
  });
  const template = useMemo(
    () => columnTemplate(rows, columns, now, showNamespace),
    [rows, columns, now, showNamespace],
  );
  return (
    <div ref={scroller} className="table table-body" data-testid="table-body">
      <table className="live-table" aria-rowcount={rows.length + 1}>
        <caption className="visually-hidden">{caption}</caption>
        <thead className="table-head">
          <tr className="table-row" style={{ gridTemplateColumns: template }}>
            {showNamespace ? (
              <th scope="col" className="cell">
                Namespace
              </th>
            ) : null}
            {columns.map(({ column }) => (
              <th key={column.name} scope="col" className="cell" title={column.description}>
                {column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            return (
              <Row
                key={rowKey(row)}
                row={row}
                index={item.index}
                start={item.start}
                template={template}
                columns={columns}
                showNamespace={showNamespace}
                now={now}
                workspace={workspace}
                type={type}
              />
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
