/** Create an object of any resource, from the generated form or YAML (ObjectEditor). */
import { useNavigate, useParams } from 'react-router';
import type { KubeObject } from '../../../src/apimachinery/meta.ts';
import { resourcePath } from '../api/paths.ts';
import { groupFromRoute, routes } from '../app/routes.ts';
import { useApi } from '../app/session.tsx';
import { ErrorBanner } from '../components/ErrorBanner.tsx';
import { Loading } from '../components/Loading.tsx';
import { ObjectEditor } from '../components/ObjectEditor.tsx';
import { useFormSchema } from '../hooks/useFormSchema.ts';

export default function ResourceCreate() {
  const { ws = '', group: groupParam, version = '', resource = '' } = useParams();
  const group = groupFromRoute(groupParam);
  const type = { group, version, resource };
  const api = useApi();
  const navigate = useNavigate();
  const { info, kind, gvk, form, loaded, error } = useFormSchema(ws, group, version, resource);

  if (error)
    return <ErrorBanner error={error} title={`Could not load the schema of ${resource}`} />;
  if (!loaded) return <Loading label="Loading the schema" lines={8} />;

  const create = async (object: KubeObject) => {
    const namespace = info?.namespaced ? object.metadata?.namespace || 'default' : undefined;
    const created = await api.json<KubeObject>(
      resourcePath({ workspace: ws, ...type }, namespace),
      { method: 'POST', body: object },
    );
    navigate(routes.detail(ws, type, created.metadata.namespace, created.metadata.name ?? ''));
  };

  return (
    <ObjectEditor
      title={`Create ${kind}`}
      yamlLabel={`the new ${kind}`}
      gvk={gvk}
      form={form}
      initial={{}}
      existing={false}
      action="Create"
      busyLabel="Creating…"
      errorTitle={`Could not create the ${kind}`}
      submit={create}
    />
  );
}
