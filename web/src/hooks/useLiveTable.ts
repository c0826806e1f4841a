/**
 * A Table kept current: listed once with the Table media type, then followed by a watch
 * whose events are Tables of the changed rows. Ages re-render every 10 seconds.
 */
import { useEffect, useReducer, useState } from 'react';
import type { Table } from '../../../src/apimachinery/table.ts';
import { follow } from '../api/follow.ts';
import { TABLE_ACCEPT } from '../api/http.ts';
import { useApi } from '../app/session.tsx';
import { applyTableEvent, type TableState, tableState } from '../logic/table.ts';

type Action =
  | { type: 'list'; table: Table }
  | { type: 'event'; event: string; table: Table }
  | { type: 'error'; error: Error }
  | { type: 'reset' };

interface State {
  readonly table?: TableState;
  readonly error?: Error;
}

function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'list':
      return { table: tableState(action.table) };
    case 'event':
      return state.table
        ? { table: applyTableEvent(state.table, action.event, action.table) }
        : state;
    case 'error':
      return { ...state, error: action.error };
    case 'reset':
      return {};
  }
}

export function useLiveTable(path: string, query: Record<string, string | undefined>) {
  const api = useApi();
  const [state, dispatch] = useReducer(reduce, {});
  const queryKey = JSON.stringify(query);
  useEffect(() => {
    const controller = new AbortController();
    dispatch({ type: 'reset' });
    void follow<Table, Table>(
      api,
      path,
      JSON.parse(queryKey) as Record<string, string | undefined>,
      TABLE_ACCEPT,
      {
        onList: (table) => {
          dispatch({ type: 'list', table });
          return table.metadata.resourceVersion ?? '';
        },
        onEvent: (event, table) => {
          dispatch({ type: 'event', event, table });
          return table.rows?.[0]?.object?.metadata?.resourceVersion ?? '';
        },
        onError: (error) => dispatch({ type: 'error', error }),
      },
      controller.signal,
    );
    return () => controller.abort();
  }, [api, path, queryKey]);
  return state;
}

/** The current time, ticking every `ms`, for ages. */
export function useNow(ms = 10_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
