/**
 * An object in the making, for the create and edit pages: a form generated from the
 * resource's OpenAPI schema, or YAML, switching between them with the data kept. The server
 * validates what is sent; its field errors appear next to the fields they name (the rest,
 * and errors without fields, above the form).
 */
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { lazy, Suspense, useState } from 'react';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import { ApiError } from '../api/http.ts';
import {
  causesToErrors,
  editUiSchema,
  type FormSchema,
  formToObject,
  type GroupVersionKind,
} from '../logic/schema-form.ts';
import { ErrorBanner } from './ErrorBanner.tsx';
import { Loading } from './Loading.tsx';

const SchemaForm = lazy(() => import('./SchemaForm.tsx'));
const YamlEditor = lazy(() => import('./YamlEditor.tsx'));

export function ObjectEditor({
  title,
  yamlLabel,
  gvk,
  form,
  initial,
  existing,
  action,
  busyLabel,
  errorTitle,
  submit,
  reload,
  children,
}: {
  title: string;
  /** What the YAML editor is of, for screen readers: "YAML of <yamlLabel>". */
  yamlLabel: string;
  gvk: GroupVersionKind;
  form: FormSchema | undefined;
  /** The form's data to start from: `{}` for a new object, `objectToForm(…)` for an edit. */
  initial: unknown;
  /** An existing object: its name and namespace cannot change. */
  existing: boolean;
  action: string;
  busyLabel: string;
  errorTitle: string;
  /** Sends the object; an ApiError it throws is shown, its field causes at their fields. */
  submit: (object: KubeObject) => Promise<void>;
  /**
   * Starts again from the object as it is now: offered when the server refused a save
   * because the object changed meanwhile (409 Conflict).
   */
  reload?: () => void;
  /** Shown above the title (e.g. a link back). */
  children?: React.ReactNode;
}) {
  const kind = gvk.kind;
  const [mode, setMode] = useState<'form' | 'yaml'>(form ? 'form' : 'yaml');
  const [data, setData] = useState<unknown>(initial);
  const toYaml = (value: unknown) =>
    form
      ? stringify(formToObject(value, gvk, form))
      : existing
        ? stringify(value)
        : `apiVersion: ${gvk.group ? `${gvk.group}/` : ''}${gvk.version}\nkind: ${kind}\nmetadata:\n  name: \n`;
  const [yamlText, setYamlText] = useState(() => (form ? '' : toYaml(initial)));
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<ErrorSchema | undefined>();
  const [busy, setBusy] = useState(false);

  const send = async (object: KubeObject) => {
    setBusy(true);
    setError(null);
    setFieldErrors(undefined);
    try {
      await submit(object);
    } catch (err) {
      if (err instanceof ApiError && err.causes.length > 0 && form && mode === 'form') {
        const { tree, unplaced } = causesToErrors(err.causes, form.schema);
        setFieldErrors(tree as ErrorSchema);
        setError(
          unplaced.length > 0
            ? new ApiError(err.code, err.message, err.reason)
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
    void send(object);
  };

  const label = busy ? busyLabel : `${action} ${kind}`;
  return (
    <section aria-labelledby="editor-title">
      <div className="page-header">
        {children}
        <h1 id="editor-title">{title}</h1>
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
              if (mode === 'form') setYamlText(toYaml(data));
              setMode('yaml');
            }}
          >
            YAML
          </button>
        </div>
      </div>
      {!form ? <p className="muted">This resource publishes no schema: write it as YAML.</p> : null}
      <ErrorBanner error={error} title={errorTitle} />
      {reload && error instanceof ApiError && error.reason === 'Conflict' ? (
        <p>
          <button type="button" className="button" onClick={reload}>
            Start again from the latest version
          </button>
        </p>
      ) : null}
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
            uiSchema={(existing ? editUiSchema(form) : form.uiSchema) as UiSchema}
            formData={data}
            onChange={setData}
            onSubmit={(value) => void send(formToObject(value, gvk, form))}
            extraErrors={fieldErrors}
            disabled={busy}
            submitLabel={label}
          />
        ) : (
          <>
            <YamlEditor label={`YAML of ${yamlLabel}`} value={yamlText} onChange={setYamlText} />
            <div className="form-actions">
              <button type="button" className="button primary" disabled={busy} onClick={submitYaml}>
                {label}
              </button>
            </div>
          </>
        )}
      </Suspense>
    </section>
  );
}
