/** One object kept current: a list and watch narrowed to its name (a field selector). */
import { useEffect, useState } from 'react';
import type { KubeList, KubeObject } from '../../../src/apimachinery/meta.ts';
import { follow } from '../api/follow.ts';
import { ApiError } from '../api/http.ts';
import { useApi } from '../app/session.tsx';

export interface LiveObject {
  readonly object?: KubeObject;
  /** Listed, and no object of that name exists (or it was deleted meanwhile). */
  readonly missing: boolean;
  readonly error?: Error;
}

export function useLiveObject(collection: string, name: string): LiveObject {
  const api = useApi();
  const [state, setState] = useState<LiveObject>({ missing: false });
  useEffect(() => {
    const controller = new AbortController();
    setState({ missing: false });
    void follow<KubeList, KubeObject>(
      api,
      collection,
      { fieldSelector: `metadata.name=${name}` },
      'application/json',
      {
        onList: (list) => {
          const object = list.items.find((o) => o.metadata.name === name);
          setState({ object, missing: !object });
          return list.metadata.resourceVersion ?? '';
        },
        onEvent: (type, object) => {
          if (object.metadata?.name !== name) return '';
          setState(type === 'DELETED' ? { missing: true } : { object, missing: false });
          return object.metadata.resourceVersion ?? '';
        },
        onError: (error) =>
          setState((s) => ({
            ...s,
            error: error instanceof ApiError ? error : new Error(error.message),
          })),
      },
      controller.signal,
    );
    return () => controller.abort();
  }, [api, collection, name]);
  return state;
}
