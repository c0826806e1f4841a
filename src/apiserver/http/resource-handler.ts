/**
 * Resource requests over HTTP: finds the resource type the logical cluster serves,
 * decodes the request (query, body, patch type), calls the REST operation and encodes
 * the answer in the representation the client negotiated (JSON, YAML, Table).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type GoStruct, goDecodeError } from '../../apimachinery/go-decode.ts';
import { duplicateFields } from '../../apimachinery/json-duplicates.ts';
import {
  asKubeObject,
  isJsonObject,
  type JsonValue,
  type KubeObject,
  objectOrEmpty,
} from '../../apimachinery/meta.ts';
import {
  badRequest,
  isStatusError,
  methodNotAllowed,
  notAcceptable,
  notFoundPath,
  success,
  unsupportedMediaType,
} from '../../apimachinery/status.ts';
import { isPathSegmentName } from '../../apimachinery/validation/names.ts';
import { noteCreatedName } from '../audit.ts';
import type { ResourceType, Subresource, Verb } from '../registry/resource-type.ts';
import type { TypeLookup } from '../registry/type-registry.ts';
import { applyFunction } from '../rest/apply.ts';
import { decodeCauses, decodeProblems } from '../rest/decode-check.ts';
import { managerFromUserAgent } from '../rest/field-manager.ts';
import { acceptedPatchTypes, patchFunction } from '../rest/patch.ts';
import type { ResourceStorage } from '../rest/resource-storage.ts';
import { getScale, SCALE_TYPE, scaleUpdate } from '../rest/scale.ts';
import type {
  FieldValidation,
  ObjectFilter,
  Scope,
  UserInfo,
  WriteOptions,
} from '../rest/scope.ts';
import { ObjectWatch } from '../rest/watch.ts';
import { decodeObjectBody, parseYaml, readBody } from './body.ts';
import {
  contentType,
  negotiateObject,
  PATCH_TYPES,
  type Representation,
  SERVED_MEDIA_TYPES,
  STREAMED_MEDIA_TYPES,
} from './negotiation.ts';
import {
  deleteOptionsFromQuery,
  includeObject,
  isPretty,
  listOptions,
  type RawDeleteOptions,
  selectingName,
  validDeleteOptions,
  writeOptions,
} from './query.ts';
import type { RequestInfo } from './request-info.ts';
import { addWarnings, writeJson } from './respond.ts';
import { listToTable, toTable } from './table-convert.ts';
import { upgradeOf } from './upgrade.ts';
import { streamWatch } from './watch-stream.ts';

export interface ResourceRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly info: RequestInfo;
  readonly query: URLSearchParams;
  readonly cluster: string;
  readonly user: UserInfo;
  /** Narrows what the request sees of a type (virtual workspaces). */
  readonly filter?: (type: ResourceType) => ObjectFilter | undefined;
  /** The store revision the request was decided at, for its writes (Scope.basis). */
  readonly basis?: number;
}

export interface ResourceHandlerDeps {
  readonly storage: ResourceStorage;
  readonly registry: TypeLookup;
  /** Counts watch events sent, for metrics. */
  readonly onWatchEvent?: () => void;
}

/** The type a request addresses, or a 404 as upstream gives for unknown resources. */
function resolveType(registry: TypeLookup, cluster: string, info: RequestInfo): ResourceType {
  const type = registry.lookup(cluster, info.apiGroup, info.apiVersion, info.resource);
  if (!type) throw notFoundPath();
  if (!type.namespaced && info.namespace && info.resource !== 'namespaces') throw notFoundPath();
  const needsNamespace = type.namespaced && (info.name !== '' || info.verb === 'create');
  if (needsNamespace && !info.namespace) throw notFoundPath();
  return type;
}

/** A name on the URL must be one an object can have in a path: not `.`, `..`, `/` or `%`. */
function checkNameOnUrl(name: string): void {
  const problems = name ? isPathSegmentName(name) : [];
  if (problems.length > 0) {
    throw badRequest(`Name parameter invalid: ${JSON.stringify(name)}: ${problems.join(';')}`);
  }
}

function subresourceOf(type: ResourceType, info: RequestInfo): Subresource {
  const sub = info.subresource;
  if (sub === '') return '';
  if (sub === 'status' && type.subresources.status) return 'status';
  if (sub === 'scale' && type.subresources.scale) return 'scale';
  if (sub === 'finalize' && type.group === '' && type.names.plural === 'namespaces')
    return 'finalize';
  throw notFoundPath();
}

export async function handleResource(r: ResourceRequest, deps: ResourceHandlerDeps): Promise<void> {
  const { info, res, query } = r;
  const type = resolveType(deps.registry, r.cluster, info);
  const connect = info.subresource ? type.connect?.[info.subresource] : undefined;
  if (connect) {
    if (!info.name) throw notFoundPath();
    const scope: Scope = {
      cluster: r.cluster,
      type,
      version: info.apiVersion,
      ...(info.namespace && type.namespaced ? { namespace: info.namespace } : {}),
      user: r.user,
    };
    return connect({
      req: r.req,
      res,
      upgrade: upgradeOf(r.req),
      query,
      cluster: r.cluster,
      namespace: info.namespace || undefined,
      name: info.name,
      user: r.user,
      object: () => deps.storage.get(scope, info.name),
    });
  }
  if (info.subresource ? type.virtualSubresources?.[info.subresource] : type.virtualCreate) {
    return handleVirtualCreate(r, type);
  }
  const subresource = subresourceOf(type, info);
  checkNameOnUrl(info.name);
  const verb = info.verb as Verb;
  // PUT and PATCH address one object; on a collection there is nothing to replace.
  if ((verb === 'update' || verb === 'patch') && !info.name) throw methodNotAllowed();
  if (!type.verbs.includes(verb) && !(subresource && ['get', 'update', 'patch'].includes(verb))) {
    throw methodNotAllowed();
  }
  if (subresource && !['get', 'update', 'patch'].includes(verb)) throw methodNotAllowed();
  const watching = verb === 'watch';
  const representation = negotiateObject(r.req.headers.accept, watching);
  if (!representation) {
    throw notAcceptable(watching ? STREAMED_MEDIA_TYPES : SERVED_MEDIA_TYPES);
  }
  if (type.deprecationWarnings?.[info.apiVersion]) {
    addWarnings(res, [type.deprecationWarnings[info.apiVersion] as string]);
  }

  const filter = r.filter?.(type);
  const scope: Scope = {
    cluster: r.cluster,
    type,
    version: info.apiVersion,
    ...(info.namespace && type.namespaced ? { namespace: info.namespace } : {}),
    user: r.user,
    ...(filter ? { filter } : {}),
    ...(r.basis !== undefined ? { basis: r.basis } : {}),
  };
  const storage = deps.storage;

  switch (verb) {
    case 'get': {
      const obj = await storage.get(scope, info.name, query.get('resourceVersion') ?? undefined);
      if (subresource === 'scale') return send(r, representation, 200, getScale(type, obj));
      return respondObject(r, type, representation, 200, obj);
    }
    case 'list': {
      const list = await storage.list(scope, listOptions(query, false));
      if (representation.kind === 'table') {
        return send(
          r,
          representation,
          200,
          listToTable(type, list, `meta.k8s.io/${representation.version}`, includeObject(query)),
        );
      }
      if (representation.kind === 'partial') {
        return send(r, representation, 200, {
          kind: 'PartialObjectMetadataList',
          apiVersion: `meta.k8s.io/${representation.version}`,
          metadata: list.metadata,
          items: list.items.map((o) => ({
            kind: 'PartialObjectMetadata',
            apiVersion: `meta.k8s.io/${representation.version}`,
            metadata: o.metadata,
          })),
        });
      }
      return send(r, representation, 200, list);
    }
    case 'watch': {
      const listed = listOptions(query, true);
      // A watch of one object (the deprecated `/watch/…/<name>`) sees that object only.
      const options = info.name ? selectingName(listed, info.name) : listed;
      const watch = new ObjectWatch(storage, scope, options);
      return streamWatch(r.req, res, watch, {
        type,
        table:
          representation.kind === 'table'
            ? {
                version: `meta.k8s.io/${representation.version}` as const,
                include: includeObject(query),
              }
            : undefined,
        partial: representation.kind === 'partial' ? representation.version : undefined,
        timeoutSeconds: options.timeoutSeconds,
        ...(deps.onWatchEvent ? { onEvent: deps.onWatchEvent } : {}),
      });
    }
    case 'create': {
      const opts = writeOptions(query, 'create');
      const { body, duplicateFields } = await readObjectBody(r, type, opts.fieldValidation);
      checkTypeMeta(body, type, info.apiVersion);
      const result = await storage.create(scope, asKubeObject(body), {
        ...opts,
        ownsInput: true,
        decodedBody: true,
        duplicateFields,
        fieldManager: fieldManagerOf(r, opts),
      });
      addWarnings(res, result.warnings);
      noteCreatedName(res, result.object.metadata.name ?? '');
      return respondObject(r, type, representation, 201, result.object);
    }
    case 'update': {
      const opts = writeOptions(query, 'update');
      const { body, duplicateFields } = await readObjectBody(r, type, opts.fieldValidation);
      if (subresource === 'scale') {
        const result = await storage.update(scope, info.name, scaleUpdate(type, info.name, body), {
          ...opts,
          subresource: '',
        });
        return send(r, representation, 200, getScale(type, result.object));
      }
      checkTypeMeta(body, type, info.apiVersion);
      const result = await storage.update(scope, info.name, () => asKubeObject(body), {
        ...opts,
        decodedBody: true,
        duplicateFields,
        fieldManager: fieldManagerOf(r, opts),
        subresource,
      });
      addWarnings(res, result.warnings);
      return respondObject(r, type, representation, result.created ? 201 : 200, result.object);
    }
    case 'patch': {
      const mediaType = contentType(r.req.headers['content-type']);
      const accepted: readonly string[] = acceptedPatchTypes(type);
      if (!accepted.includes(mediaType)) throw unsupportedMediaType(mediaType, accepted);
      const opts = writeOptions(query, 'patch', mediaType === PATCH_TYPES.apply);
      const body = (await readBody(r.req)).toString('utf8');
      const fieldManager = fieldManagerOf(r, opts);
      if (mediaType === PATCH_TYPES.apply) {
        if (subresource === 'scale')
          throw unsupportedMediaType(mediaType, [PATCH_TYPES.json, PATCH_TYPES.merge]);
        const applyFn = applyFunction({
          config: await parseYaml(body),
          type,
          version: info.apiVersion,
          name: info.name,
          subresource,
          fieldManager: opts.fieldManager,
          force: opts.force === true,
        });
        const result = await storage.update(scope, info.name, applyFn, {
          ...opts,
          subresource,
          forceAllowCreate: subresource === '',
          managedFieldsSettled: true,
        });
        addWarnings(res, result.warnings);
        return respondObject(r, type, representation, result.created ? 201 : 200, result.object);
      }
      const patchFn = patchFunction(
        mediaType,
        body,
        type,
        info.apiVersion,
        info.name,
        subresource === 'scale' ? 'Scale' : type.names.kind,
      );
      if (subresource === 'scale') {
        const patched = await storage.update(
          scope,
          info.name,
          async (current) => {
            const scale = await patchFn(getScale(type, current as KubeObject));
            return scaleUpdate(type, info.name, scale)(current);
          },
          { ...opts, fieldManager, subresource: '' },
        );
        return send(r, representation, 200, getScale(type, patched.object));
      }
      const result = await storage.update(scope, info.name, patchFn, {
        ...opts,
        fieldManager,
        subresource,
      });
      addWarnings(res, result.warnings);
      return respondObject(r, type, representation, result.created ? 201 : 200, result.object);
    }
    case 'delete': {
      const raw = await deleteOptions(r);
      const result = await storage.delete(scope, info.name, validDeleteOptions(raw));
      if (!result.deleted) {
        // Not gone yet (finalizers): 200 with the object, or 202 when the client asked to
        // cascade with `orphanDependents: false`, as upstream.
        const code = raw.orphanDependents === false ? 202 : 200;
        return respondObject(r, type, representation, code, result.object);
      }
      if (type.strategy.returnDeletedObject)
        return respondObject(r, type, representation, 200, result.object);
      return send(
        r,
        representation,
        200,
        success({
          name: info.name,
          ...(type.group ? { group: type.group } : {}),
          kind: type.names.plural,
          uid: result.object.metadata.uid ?? '',
        }),
      );
    }
    case 'deletecollection': {
      const selection = listOptions(query, false);
      const options = validDeleteOptions(await deleteOptions(r));
      const list = await storage.list(scope, selection);
      const deleted: KubeObject[] = [];
      for (const item of list.items) {
        const itemScope = item.metadata.namespace
          ? { ...scope, namespace: item.metadata.namespace }
          : scope;
        try {
          deleted.push((await storage.delete(itemScope, item.metadata.name ?? '', options)).object);
        } catch (err) {
          // Something deleted it meanwhile: that is what we wanted.
          if (!isStatusError(err, 'NotFound')) throw err;
        }
      }
      return send(r, representation, 200, { ...list, items: deleted });
    }
    default:
      throw methodNotAllowed();
  }
}

/**
 * POST to a virtual resource or subresource (reviews, serviceaccounts/<name>/token): the
 * body is decoded and checked like a create's, then the type's code computes the answer,
 * which is returned with 201 and never stored. Any other verb is 405.
 */
async function handleVirtualCreate(r: ResourceRequest, type: ResourceType): Promise<void> {
  const { info } = r;
  const sub = info.subresource ? type.virtualSubresources?.[info.subresource] : undefined;
  checkNameOnUrl(info.name);
  const create = sub ? sub.create : type.virtualCreate;
  if (!create || info.verb !== 'create' || (sub ? !info.name : info.name !== '')) {
    throw methodNotAllowed();
  }
  const representation = negotiateObject(r.req.headers.accept);
  if (!representation) throw notAcceptable(SERVED_MEDIA_TYPES);
  const group = sub ? sub.group : type.group;
  const apiVersion = group
    ? `${group}/${sub ? sub.version : info.apiVersion}`
    : (sub?.version ?? info.apiVersion);
  const kind = sub ? sub.kind : type.names.kind;
  const body = await decodeObjectBody(await readBody(r.req), r.req.headers['content-type'], {
    apiVersion,
    kind,
  });
  // A subresource's body is its own kind (a TokenRequest), not the resource's.
  checkDecodable(body, sub ?? type, sub ? sub.version : info.apiVersion, kind);
  checkEndpointTypeMeta(body, apiVersion, kind);
  const opts = writeOptions(r.query, 'create');
  const result = await create(
    {
      cluster: r.cluster,
      namespace: info.namespace || undefined,
      name: info.name,
      version: info.apiVersion,
      user: r.user,
      dryRun: opts.dryRun === true,
    },
    asKubeObject(body),
  );
  send(r, representation, 201, result);
}

/**
 * A response body in the negotiated encoding: YAML when asked for; JSON otherwise, indented
 * for `?pretty=true` and for browsers and curl, as upstream.
 */
function send(
  r: ResourceRequest,
  representation: Representation,
  code: number,
  body: unknown,
): void {
  writeJson(r.res, code, body, {
    yaml: representation.kind === 'object' && representation.yaml,
    pretty: isPretty(r.query, r.req.headers['user-agent']),
  });
}

function respondObject(
  r: ResourceRequest,
  type: ResourceType,
  representation: Representation,
  code: number,
  obj: KubeObject,
): void {
  if (representation.kind === 'table') {
    const version = `meta.k8s.io/${representation.version}` as const;
    send(
      r,
      representation,
      code,
      toTable(type, [obj], { version, include: includeObject(r.query) }),
    );
  } else if (representation.kind === 'partial') {
    send(r, representation, code, {
      kind: 'PartialObjectMetadata',
      apiVersion: `meta.k8s.io/${representation.version}`,
      metadata: obj.metadata,
    });
  } else {
    send(r, representation, code, obj);
  }
}

/**
 * A create or update body, decoded for the endpoint; under strict or warning field
 * validation, also the keys a JSON body repeats (the decoded object keeps only the last).
 */
async function readObjectBody(
  r: ResourceRequest,
  type: ResourceType,
  fieldValidation: FieldValidation | undefined,
): Promise<{ body: Record<string, unknown>; duplicateFields: string[] }> {
  const raw = await readBody(r.req);
  const apiVersion = type.group ? `${type.group}/${r.info.apiVersion}` : r.info.apiVersion;
  const body = await decodeObjectBody(raw, r.req.headers['content-type'], {
    apiVersion,
    kind: type.names.kind,
  });
  // A /scale body is a Scale.
  const scale = r.info.subresource === 'scale';
  checkDecodable(
    body,
    scale ? { goType: SCALE_TYPE } : type,
    r.info.apiVersion,
    scale ? 'Scale' : type.names.kind,
  );
  const checks = fieldValidation === 'Strict' || fieldValidation === 'Warn';
  const json = contentType(r.req.headers['content-type']) === 'application/json';
  return { body, duplicateFields: checks && json ? duplicateFields(raw.toString('utf8')) : [] };
}

/** Who a write is recorded as: `?fieldManager=`, else the client's user agent. */
function fieldManagerOf(r: ResourceRequest, opts: WriteOptions): string {
  return opts.fieldManager ?? managerFromUserAgent(r.req.headers['user-agent']);
}

/** The body's apiVersion and kind, when given, must be the endpoint's. */
function checkTypeMeta(body: Record<string, unknown>, type: ResourceType, version: string): void {
  checkEndpointTypeMeta(body, type.group ? `${type.group}/${version}` : version, type.names.kind);
}

function checkEndpointTypeMeta(
  body: Record<string, unknown>,
  expected: string,
  kind: string,
): void {
  if (body.apiVersion !== undefined && body.apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  if (body.kind !== undefined && body.kind !== kind) {
    throw badRequest(
      `the kind in the data (${String(body.kind)}) does not match the expected kind (${kind})`,
    );
  }
  if (body.metadata !== undefined && !isJsonObject(body.metadata)) {
    throw badRequest('metadata must be an object');
  }
}

/**
 * DeleteOptions from the body when there is one (kubectl sends one), else from the query,
 * as upstream: a body's options win whole, the query is not read. A body decodes as typed
 * DeleteOptions would (JSON, YAML or protobuf); one that does not is a 400.
 */
async function deleteOptions(r: ResourceRequest): Promise<RawDeleteOptions> {
  const raw = await readBody(r.req);
  if (raw.length === 0) return deleteOptionsFromQuery(r.query);
  const body = await decodeObjectBody(raw, r.req.headers['content-type'], DELETE_OPTIONS_ENDPOINT);
  if (body.kind !== undefined && body.kind !== null && body.kind !== 'DeleteOptions') {
    throw badRequest('decoded object cannot be converted to DeleteOptions');
  }
  const problem = goDecodeError(DELETE_OPTIONS, body as JsonValue);
  if (problem) throw badRequest(problem.message, decodeCauses([problem]));
  const options = body as RawDeleteOptions & { dryRun?: string[] | null };
  const pre = objectOrEmpty(body.preconditions);
  return {
    ...(typeof options.gracePeriodSeconds === 'number'
      ? { gracePeriodSeconds: options.gracePeriodSeconds }
      : {}),
    ...(typeof options.orphanDependents === 'boolean'
      ? { orphanDependents: options.orphanDependents }
      : {}),
    ...(typeof options.propagationPolicy === 'string'
      ? { propagationPolicy: options.propagationPolicy }
      : {}),
    preconditions: {
      ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    },
    ...(Array.isArray(options.dryRun) ? { dryRun: options.dryRun.map((d) => d ?? '') } : {}),
  };
}

const DELETE_OPTIONS_ENDPOINT = { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions' };

/** metav1.DeleteOptions, as a body decodes into it. */
const DELETE_OPTIONS: GoStruct = {
  name: 'v1.DeleteOptions',
  fields: {
    kind: 'string',
    apiVersion: 'string',
    gracePeriodSeconds: 'int64',
    preconditions: {
      name: 'v1.Preconditions',
      fields: { uid: 'string', resourceVersion: 'string' },
    },
    orphanDependents: 'bool',
    propagationPolicy: 'string',
    dryRun: { slice: 'string' },
    ignoreStoreReadErrorWithClusterBreakingPotential: 'bool',
  },
};

/**
 * A create or update body whose apiVersion, kind or metadata (or, for built-ins, any field)
 * would not decode into the kind's type: 400 as upstream's decoder answers, naming each field.
 */
function checkDecodable(
  body: Record<string, unknown>,
  type: Pick<ResourceType, 'typedDecode' | 'goType'> | undefined,
  version: string,
  kind: string,
): void {
  const problems = decodeProblems(body, type, version);
  const first = problems[0];
  if (!first) return;
  throw badRequest(
    `${kind} in version "${version}" cannot be handled as a ${kind}: ${first.message}`,
    decodeCauses(problems),
  );
}
