/**
 * What the create and edit pages need of a resource: discovery (kind, scope) and the form
 * generated from its group-version's OpenAPI v3 document.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { ApiResource } from '../api/discovery.ts';
import { clusterBase } from '../api/paths.ts';
import { useApi } from '../app/session.tsx';
import {
  type FormSchema,
  formSchema,
  type GroupVersionKind,
  type OpenApiDocument,
} from '../logic/schema-form.ts';
import { useResourceInfo } from './useResourceInfo.ts';

export interface ResourceForm {
  readonly info?: ApiResource;
  readonly kind: string;
  readonly gvk: GroupVersionKind;
  /** Undefined when the resource publishes no schema for its kind (YAML only). */
  readonly form?: FormSchema;
  /** Discovery and the OpenAPI document have both answered. */
  readonly loaded: boolean;
  readonly error: unknown;
}

export function useFormSchema(
  workspace: string,
  group: string,
  version: string,
  resource: string,
): ResourceForm {
  const api = useApi();
  const discovery = useResourceInfo(workspace, group, resource);
  const openapi = useQuery({
    queryKey: ['openapi', workspace, group, version],
    queryFn: ({ signal }) =>
      api.json<OpenApiDocument>(
        `${clusterBase(workspace)}/openapi/v3/${group ? `apis/${group}` : 'api'}/${version}`,
        { signal },
      ),
    staleTime: 60_000,
  });
  const info = discovery.info;
  const kindName = info?.kind ?? '';
  const namespaced = info?.namespaced ?? true;
  const gvk = useMemo(() => ({ group, version, kind: kindName }), [group, version, kindName]);
  const form = useMemo(
    () => (openapi.data && kindName ? formSchema(openapi.data, gvk, namespaced) : undefined),
    [openapi.data, gvk, namespaced, kindName],
  );
  return {
    info,
    kind: discovery.kind,
    gvk,
    form,
    loaded: Boolean(info && openapi.data),
    error: discovery.error ?? openapi.error,
  };
}
