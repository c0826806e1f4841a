/**
 * OpenAPI v3 documents, one per group-version, built from the types a cluster serves:
 * the REST paths with their operations (PATCH carries `x-kubernetes-group-version-kind`
 * and the `fieldValidation` parameter, which is how kubectl learns it may rely on the
 * server's validation), and the schema of every kind.
 */
import type { JsonObject } from '../../apimachinery/meta.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import { commonSchemas, definitionName, kindSchema, META_REF } from './schemas.ts';

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, JsonObject>;
  components: { schemas: Record<string, JsonObject> };
}

const QUERY = (name: string, description: string): JsonObject => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string', uniqueItems: true },
});

const WRITE_PARAMS = [
  QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'),
  QUERY('fieldManager', 'A name associated with the actor or entity that is making these changes.'),
  QUERY(
    'fieldValidation',
    'How the server handles unknown and duplicate fields: Ignore, Warn or Strict.',
  ),
];

const LIST_PARAMS = [
  QUERY('labelSelector', 'A selector to restrict the list of returned objects by their labels.'),
  QUERY('fieldSelector', 'A selector to restrict the list of returned objects by their fields.'),
  QUERY('limit', 'Maximum number of responses to return for a list call.'),
  QUERY(
    'continue',
    'The continue option should be set when retrieving more results from the server.',
  ),
  QUERY('resourceVersion', 'Constrains which resource versions the request may be served from.'),
  QUERY('resourceVersionMatch', 'How resourceVersion is applied to list calls.'),
  QUERY('watch', 'Watch for changes to the described resources and return them as a stream.'),
  QUERY('timeoutSeconds', 'Timeout for the list or watch call.'),
];

function content(ref: string, types = ['application/json', 'application/yaml']): JsonObject {
  return Object.fromEntries(types.map((t) => [t, { schema: { $ref: ref } }]));
}

function operations(type: ResourceType, version: string, path: { item: boolean }): JsonObject {
  const gvk = { group: type.group, version, kind: type.names.kind };
  const ref = `#/components/schemas/${definitionName(type, version)}`;
  const listRef = `#/components/schemas/${definitionName(type, version)}List`;
  const op = (action: string, extra: JsonObject): JsonObject => ({
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    tags: [type.group ? `${type.group}_${version}` : `core_${version}`],
    ...extra,
  });
  if (!path.item) {
    return {
      get: op('list', {
        description: `list or watch objects of kind ${type.names.kind}`,
        parameters: LIST_PARAMS,
        responses: { '200': { description: 'OK', content: content(listRef) } },
      }),
      post: op('post', {
        description: `create a ${type.names.kind}`,
        parameters: WRITE_PARAMS,
        requestBody: { content: content(ref) },
        responses: { '201': { description: 'Created', content: content(ref) } },
      }),
      delete: op('deletecollection', {
        description: `delete collection of ${type.names.kind}`,
        parameters: [
          ...LIST_PARAMS,
          QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'),
        ],
        responses: {
          '200': { description: 'OK', content: content(`#/components/schemas/${META_REF.status}`) },
        },
      }),
    };
  }
  return {
    get: op('get', {
      description: `read the specified ${type.names.kind}`,
      responses: { '200': { description: 'OK', content: content(ref) } },
    }),
    put: op('put', {
      description: `replace the specified ${type.names.kind}`,
      parameters: WRITE_PARAMS,
      requestBody: { content: content(ref) },
      responses: { '200': { description: 'OK', content: content(ref) } },
    }),
    patch: op('patch', {
      description: `partially update the specified ${type.names.kind}`,
      parameters: [...WRITE_PARAMS, QUERY('force', 'Force is going to "force" Apply requests.')],
      requestBody: {
        content: content(`#/components/schemas/${META_REF.patch}`, [
          'application/json-patch+json',
          'application/merge-patch+json',
          ...(type.strategicMergePatch ? ['application/strategic-merge-patch+json'] : []),
          'application/apply-patch+yaml',
        ]),
      },
      responses: { '200': { description: 'OK', content: content(ref) } },
    }),
    delete: op('delete', {
      description: `delete a ${type.names.kind}`,
      parameters: [
        QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'),
        QUERY('propagationPolicy', 'Whether and how garbage collection will be performed.'),
      ],
      responses: {
        '200': { description: 'OK', content: content(`#/components/schemas/${META_REF.status}`) },
      },
    }),
  };
}

/** `api/v1` or `apis/<group>/<version>`: the key of a group-version's document. */
export function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function buildGroupVersionDocument(
  types: readonly ResourceType[],
  group: string,
  version: string,
): OpenApiV3Document {
  const base = `/${groupVersionPath(group, version)}`;
  const paths: Record<string, JsonObject> = {};
  const schemas: Record<string, JsonObject> = { ...commonSchemas() };
  for (const type of types) {
    if (type.group !== group || !type.versions.includes(version)) continue;
    const plural = type.names.plural;
    const collection = type.namespaced
      ? `${base}/namespaces/{namespace}/${plural}`
      : `${base}/${plural}`;
    paths[collection] = operations(type, version, { item: false });
    paths[`${collection}/{name}`] = operations(type, version, { item: true });
    if (type.namespaced)
      paths[`${base}/${plural}`] = {
        get: (operations(type, version, { item: false }) as { get: JsonObject }).get,
      };
    if (type.subresources.status)
      paths[`${collection}/{name}/status`] = operations(type, version, { item: true });
    const name = definitionName(type, version);
    schemas[name] = kindSchema(type, version);
    schemas[`${name}List`] = {
      type: 'object',
      description: `${type.names.listKind} is a list of ${type.names.kind}`,
      required: ['items'],
      properties: {
        apiVersion: {
          type: 'string',
          description:
            'APIVersion defines the versioned schema of this representation of an object.',
        },
        kind: {
          type: 'string',
          description:
            'Kind is a string value representing the REST resource this object represents.',
        },
        items: { type: 'array', items: { $ref: `#/components/schemas/${name}` } },
        metadata: { $ref: `#/components/schemas/${META_REF.listMeta}` },
      },
      'x-kubernetes-group-version-kind': [{ group, version, kind: type.names.listKind }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas },
  };
}
