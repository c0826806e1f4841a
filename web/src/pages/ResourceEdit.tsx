/**
 * Edit an object of any resource, from the generated form or YAML (ObjectEditor), starting
 * from the object as it was when the page opened. The whole object is sent back with its
 * resourceVersion, so a change made meanwhile by someone else is the server's 409, shown
 * with its message, rather than silently overwritten.
 */
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import { resourcePath } from '../api/paths.ts';
import { objectFromRoute, routes } from '../app/routes.ts';
import { useApi } from '../app/session.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { ObjectEditor } from '../components/ObjectEditor.tsx';
import { useFormSchema } from '../hooks/useFormSchema.ts';
import { useLiveObject } from '../hooks/useLiveObject.ts';
import { objectToForm } from '../logic/schema-form.ts';

export default function ResourceEdit() {
  const { ws, type, ref, namespace, name } = objectFromRoute(useParams());
  const { group, version, resource } = type;
  const api = useApi();
  const navigate = useNavigate();
  const { kind, gvk, form, loaded, error } = useFormSchema(ws, group, version, resource);
  const live = useLiveObject(resourcePath(ref, namespace), name);
  // The object as first read: the edit starts there, whatever changes meanwhile.
  const [original, setOriginal] = useState<KubeObject | undefined>();
  if (!original && live.object) setOriginal(live.object);
  const detail = routes.detail(ws, type, namespace, name);

  if (error)
    return <ErrorBanner error={error} title={`Could not load the schema of ${resource}`} />;
  if (live.error && !original)
    return <ErrorBanner error={live.error} title={`Could not read ${kind} ${name}`} />;
  if (live.missing && !original) {
    return (
      <div className="empty">
        <p>
          {kind} {name} does not exist{namespace ? ` in namespace ${namespace}` : ''}.
        </p>
        <Link className="button" to={routes.list(ws, type)}>
          Back to the list
        </Link>
      </div>
    );
  }
  if (!loaded || !original) return <Loading label={`Loading ${kind} ${name}`} lines={8} />;

  const save = async (object: KubeObject) => {
    await api.json(resourcePath(ref, namespace, name), { method: 'PUT', body: object });
    navigate(detail);
  };

  return (
    <ObjectEditor
      key={original.metadata.resourceVersion}
      title={`Edit ${kind} ${name}`}
      yamlLabel={`${kind} ${name}`}
      gvk={gvk}
      form={form}
      initial={form ? objectToForm(original, form) : original}
      existing
      action="Save"
      busyLabel="Saving…"
      errorTitle={`Could not save ${kind} ${name}`}
      submit={save}
      reload={live.object ? () => setOriginal(live.object) : undefined}
    >
      <p className="muted small">
        <Link to={detail}>
          {kind} {name}
        </Link>
        {namespace ? ` · namespace ${namespace}` : ''}
      </p>
    </ObjectEditor>
  );
}
