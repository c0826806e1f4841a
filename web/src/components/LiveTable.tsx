/**
 * The rows of a Table, each a memoized component that re-renders only when its row, position
 * or the clock changes. Up to EVERY_ROW_UP_TO rows are all in the DOM, so scrolling changes
 * nothing in the page and costs what scrolling a static table costs (a virtualized list
 * restyles and lays out the rows it brings in on every frame); beyond that only the rows in
 * view (and a few around them) are, so a huge list still loads fast.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { type CSSProperties, type MouseEvent, memo, useMemo, useRef } from 'react';
import { useNavigate } from 'react-router';
import { BASE, routes, type TypeRoute } from '../app/routes.ts';
import {
  columnTemplate,
  formatCell,
  rowKey,
  rowMeta,
  type TableColumnDefinition,
  type TableRow,
} from '../logic/table.ts';

const ROW_HEIGHT = 40;
/** Lists up to this many rows render every row; longer ones only the rows in view. */
const EVERY_ROW_UP_TO = 2000;

interface Shown {
  readonly column: TableColumnDefinition;
  readonly index: number;
}

interface RowProps {
  readonly row: TableRow;
  readonly index: number;
  /** Where a virtualized row sits; undefined when every row is rendered in order. */
  readonly start: number | undefined;
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
  columns,
  showNamespace,
  now,
  workspace,
  type,
}: RowProps) {
  const meta = rowMeta(row);
  // A plain link (the table follows it in the app, see onClick below): a router Link per
  // row costs several hooks each, a thousand times over.
  const route = routes.detail(workspace, type, meta.namespace, meta.name ?? String(row.cells[0]));
  return (
    <tr
      aria-rowindex={index + 2}
      className="table-row"
      style={
        start === undefined
          ? undefined
          : {
              position: 'absolute',
              top: 0,
              left: 0,
              right: 0,
              transform: `translateY(${start}px)`,
            }
      }
    >
      {showNamespace ? <td className="cell">{meta.namespace ?? ''}</td> : null}
      {columns.map(({ column, index: cell }) => (
        <td key={column.name} className="cell">
          {cell === 0 ? (
            <a href={BASE + route} data-route={route}>
              {formatCell(row.cells[cell], column, now, meta)}
            </a>
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
  const navigate = useNavigate();
  // Rows' links open in the app unless the user asks for a new tab or window.
  const follow = (event: MouseEvent) => {
    const link = (event.target as Element).closest('a[data-route]');
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    if (event.altKey) return;
    event.preventDefault();
    navigate(link.getAttribute('data-route') ?? '');
  };
  const virtual = rows.length > EVERY_ROW_UP_TO;
  const virtualizer = useVirtualizer({
    count: virtual ? rows.length : 0,
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
      <table
        className="live-table"
        aria-rowcount={rows.length + 1}
        // Every row shares the columns: one custom property instead of a style per row.
        style={{ '--columns': template } as CSSProperties}
      >
        <caption className="visually-hidden">{caption}</caption>
        <thead className="table-head">
          <tr className="table-row">
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
        {/* biome-ignore lint/a11y/useKeyWithClickEvents: Enter on a focused link clicks it too */}
        <tbody
          style={virtual ? { height: virtualizer.getTotalSize(), position: 'relative' } : undefined}
          onClick={follow}
        >
          {(virtual
            ? virtualizer.getVirtualItems()
            : rows.map((_, index) => ({ index, start: undefined }))
          ).map((item) => {
            const row = rows[item.index]!;
            return (
              <Row
                key={rowKey(row)}
                row={row}
                index={item.index}
                start={item.start}
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
