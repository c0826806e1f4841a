/**
 * Create an object of any resource: a form generated from the resource's OpenAPI schema, or
 * YAML. Either way the server validates, and its field errors appear next to the fields
 * they name (the rest above the form).
 */

import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import { ApiError } from '../api/http.ts';
import { clusterBase, resourcePath } from '../api/paths.ts';
import { groupFromRoute, routes } from '../app/routes.ts';
import { useApi } from '../app/session.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { useResourceInfo } from '../hooks/useResourceInfo.ts';
import {
  causesToErrors,
  formSchema,
  formToObject,
  type OpenApiDocument,
} from '../logic/schema-form.ts';

const SchemaForm = lazy(() => import('../components/SchemaForm.tsx'));
const YamlEditor = lazy(() => import('../components/YamlEditor.tsx'));

export default function ResourceCreate() {
  const { ws = '', group: groupParam, version = '', resource = '' } = useParams();
  const group = groupFromRoute(groupParam);
  const type = { group, version, resource };
  const api = useApi();
  const navigate = useNavigate();
  const discovery = useResourceInfo(ws, group, resource);
  const info = discovery.info;
  const openapi = useQuery({
    queryKey: ['openapi', ws, group, version],
    queryFn: ({ signal }) =>
      api.json<OpenApiDocument>(
        `${clusterBase(ws)}/openapi/v3/${group ? `apis/${group}` : 'api'}/${version}`,
        { signal },
      ),
    staleTime: 60_000,
  });
  const kindName = info?.kind ?? '';
  const namespaced = info?.namespaced ?? true;
  const gvk = useMemo(() => ({ group, version, kind: kindName }), [group, version, kindName]);
  const form = useMemo(
    () => (openapi.data && kindName ? formSchema(openapi.data, gvk, namespaced) : undefined),
    [openapi.data, gvk, namespaced, kindName],
  );
  const [mode, setMode] = useState<'form' | 'yaml'>('form');
  const [data, setData] = useState<unknown>({});
  const [yamlText, setYamlText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<ErrorSchema | undefined>();
  const [busy, setBusy] = useState(false);
  const kind = info?.kind ?? resource;

  const toYaml = (value: unknown) => (form ? stringify(formToObject(value, gvk, form)) : '');

  const create = async (object: KubeObject) => {
    setBusy(true);
    setError(null);
    setFieldErrors(undefined);
    try {
      const namespace = info?.namespaced ? object.metadata?.namespace || 'default' : undefined;
      const created = await api.json<KubeObject>(
        resourcePath({ workspace: ws, ...type }, namespace),
        {
          method: 'POST',
          body: object,
        },
      );
      navigate(routes.detail(ws, type, created.metadata.namespace, created.metadata.name ?? ''));
    } catch (err) {
      if (err instanceof ApiError && err.causes.length > 0 && form && mode === 'form') {
        const { tree, unplaced } = causesToErrors(err.causes, form.schema);
        setFieldErrors(tree as ErrorSchema);
        setError(
          unplaced.length > 0
            ? new ApiError(err.code, `${err.message}`, err.reason)
            : new ApiError(
                err.code,
                'The server rejected some fields: see the messages next to them.',
                err.reason,
              ),
        );
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  const submitYaml = () => {
    let object: KubeObject;
    try {
      object = parse(yamlText) as KubeObject;
      if (!object || typeof object !== 'object' || !object.metadata)
        throw new Error('The YAML must be one object with metadata.');
    } catch (err) {
      setError(new Error(`Not valid YAML: ${(err as Error).message}`));
      return;
    }
    void create(object);
  };

  if (discovery.error || openapi.error) {
    return (
      <ErrorBanner
        error={discovery.error ?? openapi.error}
        title={`Could not load the schema of ${resource}`}
      />
    );
  }
  if (!info || !openapi.data) return <Loading label="Loading the schema" lines={8} />;

  return (
    <section aria-labelledby="create-title">
      <div className="page-header">
        <h1 id="create-title">Create {kind}</h1>
        <div className="tabs" role="tablist" aria-label="Edit as">
          <button
            type="button"
            role="tab"
            className="tab"
            aria-selected={mode === 'form'}
            onClick={() => {
              if (mode === 'yaml') {
                try {
                  setData(parse(yamlText) ?? {});
                } catch {
                  // Keep the form's last data when the YAML does not parse.
                }
              }
              setMode('form');
            }}
            disabled={!form}
          >
            Form
          </button>
          <button
            type="button"
            role="tab"
            className="tab"
            aria-selected={mode === 'yaml'}
            onClick={() => {
              setYamlText(
                toYaml(data) ||
                  `apiVersion: ${group ? `${group}/` : ''}${version}\nkind: ${kind}\nmetadata:\n  name: \n`,
              );
              setMode('yaml');
            }}
          >
            YAML
          </button>
        </div>
      </div>
      {!form ? <p className="muted">This resource publishes no schema: write it as YAML.</p> : null}
      <ErrorBanner error={error} title={`Could not create the ${kind}`} />
      {form && form.yamlOnly.length > 0 && mode === 'form' ? (
        <details className="yaml-only">
          <summary>
            {form.yamlOnly.length} free-form field{form.yamlOnly.length === 1 ? '' : 's'} can be set
            in the YAML view
          </summary>
          <p className="muted small">{form.yamlOnly.join(', ')}</p>
        </details>
      ) : null}
      <Suspense fallback={<Loading label="Loading the editor" lines={8} />}>
        {mode === 'form' && form ? (
          <SchemaForm
            schema={form.schema as RJSFSchema}
            uiSchema={form.uiSchema as UiSchema}
            formData={data}
            onChange={setData}
            onSubmit={(value) => void create(formToObject(value, gvk, form))}
            extraErrors={fieldErrors}
            disabled={busy}
            submitLabel={busy ? 'Creating…' : `Create ${kind}`}
          />
        ) : (
          <>
            <YamlEditor label={`YAML of the new ${kind}`} value={yamlText} onChange={setYamlText} />
            <div className="form-actions">
              <button type="button" className="button primary" disabled={busy} onClick={submitYaml}>
                {busy ? 'Creating…' : `Create ${kind}`}
              </button>
            </div>
          </>
        )}
      </Suspense>
    </section>
  );
}
