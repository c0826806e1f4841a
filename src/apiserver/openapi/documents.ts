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

/** The verbs a type serves: its `verbs`, and `create` for a virtual (POST-only) type. */
function servedVerbs(type: ResourceType): ReadonlySet<string> {
  const verbs = new Set<string>(type.verbs);
  if (type.virtualCreate) verbs.add('create');
  return verbs;
}

type PathKind = 'collection' | 'item' | 'status';

/**
 * The operations of one path, only those the type serves (upstream publishes no GET for a
 * create-only review, and no DELETE on /status): collection list/create/deletecollection,
 * item get/update/patch/delete, status get/update/patch. Empty when it serves none.
 */
function operations(type: ResourceType, version: string, kind: PathKind): JsonObject {
  const verbs = servedVerbs(type);
  const gvk = { group: type.group, version, kind: type.names.kind };
  const ref = `#/components/schemas/${definitionName(type, version)}`;
  const listRef = `#/components/schemas/${definitionName(type, version)}List`;
  const op = (action: string, extra: JsonObject): JsonObject => ({
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    tags: [type.group ? `${type.group}_${version}` : `core_${version}`],
    ...extra,
  });
  const out: JsonObject = {};
  if (kind === 'collection') {
    if (verbs.has('list'))
      out.get = op('list', {
        description: `list or watch objects of kind ${type.names.kind}`,
        parameters: LIST_PARAMS,
        responses: { '200': { description: 'OK', content: content(listRef) } },
      });
    if (verbs.has('create'))
      out.post = op('post', {
        description: `create a ${type.names.kind}`,
        parameters: WRITE_PARAMS,
        requestBody: { content: content(ref) },
        responses: { '201': { description: 'Created', content: content(ref) } },
      });
    if (verbs.has('deletecollection'))
      out.delete = op('deletecollection', {
        description: `delete collection of ${type.names.kind}`,
        parameters: [
          ...LIST_PARAMS,
          QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'),
        ],
        responses: {
          '200': { description: 'OK', content: content(`#/components/schemas/${META_REF.status}`) },
        },
      });
    return out;
  }
  const what =
    kind === 'status'
      ? `status of the specified ${type.names.kind}`
      : `the specified ${type.names.kind}`;
  if (verbs.has('get'))
    out.get = op('get', {
      description: `read ${what}`,
      responses: { '200': { description: 'OK', content: content(ref) } },
    });
  if (verbs.has('update'))
    out.put = op('put', {
      description: `replace ${what}`,
      parameters: WRITE_PARAMS,
      requestBody: { content: content(ref) },
      responses: { '200': { description: 'OK', content: content(ref) } },
    });
  if (verbs.has('patch'))
    out.patch = op('patch', {
      description: `partially update ${what}`,
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
    });
  if (kind === 'item' && verbs.has('delete'))
    out.delete = op('delete', {
      description: `delete a ${type.names.kind}`,
      parameters: [
        QUERY('dryRun', 'When present, indicates that modifications should not be persisted.'),
        QUERY('propagationPolicy', 'Whether and how garbage collection will be performed.'),
      ],
      responses: {
        '200': { description: 'OK', content: content(`#/components/schemas/${META_REF.status}`) },
      },
    });
  return out;
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
    const add = (path: string, ops: JsonObject) => {
      if (Object.keys(ops).length > 0) paths[path] = ops;
    };
    const collectionOps = operations(type, version, 'collection');
    add(collection, collectionOps);
    add(`${collection}/{name}`, operations(type, version, 'item'));
    if (type.namespaced && collectionOps.get) add(`${base}/${plural}`, { get: collectionOps.get });
    if (type.subresources.status)
      add(`${collection}/{name}/status`, operations(type, version, 'status'));
    const name = definitionName(type, version);
    schemas[name] = kindSchema(type, version);
    // A kind that cannot be listed has no list kind to describe (upstream publishes none).
    if (!servedVerbs(type).has('list')) continue;
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
