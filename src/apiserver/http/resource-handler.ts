/**
 * Resource requests over HTTP: finds the resource type the logical cluster serves,
 * decodes the request (query, body, patch type), calls the REST operation and encodes
 * the answer in the representation the client negotiated (JSON, YAML, Table).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { duplicateFields } from '../../apimachinery/json-duplicates.ts';
import { isJsonObject, type KubeObject } from '../../apimachinery/meta.ts';
import {
  badRequest,
  isStatusError,
  methodNotAllowed,
  notAcceptable,
  notFoundPath,
  success,
  unsupportedMediaType,
} from '../../apimachinery/status.ts';
import { noteCreatedName } from '../audit.ts';
import type { ResourceType, Subresource, Verb } from '../registry/resource-type.ts';
import type { TypeLookup } from '../registry/type-registry.ts';
import { applyFunction } from '../rest/apply.ts';
import { managerFromUserAgent } from '../rest/field-manager.ts';
import { patchFunction } from '../rest/patch.ts';
import type { DeleteOptions, ResourceStorage } from '../rest/resource-storage.ts';
import { getScale, scaleUpdate } from '../rest/scale.ts';
import type {
  FieldValidation,
  ObjectFilter,
  Scope,
  UserInfo,
  WriteOptions,
} from '../rest/scope.ts';
import { ObjectWatch } from '../rest/watch.ts';
import { decodeObjectBody, parseJson, readBody } from './body.ts';
import {
  contentType,
  negotiateObject,
  PATCH_TYPES,
  type Representation,
  SERVED_MEDIA_TYPES,
} from './negotiation.ts';
import { includeObject, listOptions, writeOptions } from './query.ts';
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
  const verb = info.verb as Verb;
  // PUT and PATCH address one object; on a collection there is nothing to replace.
  if ((verb === 'update' || verb === 'patch') && !info.name) throw methodNotAllowed();
  if (!type.verbs.includes(verb) && !(subresource && ['get', 'update', 'patch'].includes(verb))) {
    throw methodNotAllowed();
  }
  if (subresource && !['get', 'update', 'patch'].includes(verb)) throw methodNotAllowed();
  const representation = negotiateObject(r.req.headers.accept);
  if (!representation) throw notAcceptable(SERVED_MEDIA_TYPES);
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
  };
  const storage = deps.storage;

  switch (verb) {
    case 'get': {
      const obj = await storage.get(scope, info.name, query.get('resourceVersion') ?? undefined);
      if (subresource === 'scale') return writeJson(res, 200, getScale(type, obj));
      return respondObject(r, type, representation, 200, obj);
    }
    case 'list': {
      const list = await storage.list(scope, listOptions(query));
      if (representation.kind === 'table') {
        return writeJson(
          res,
          200,
          listToTable(type, list, `meta.k8s.io/${representation.version}`, includeObject(query)),
        );
      }
      if (representation.kind === 'partial') {
        return writeJson(res, 200, {
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
      return writeJson(res, 200, list, { yaml: representation.yaml });
    }
    case 'watch': {
      const options = listOptions(query);
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
        timeoutSeconds: options.timeoutSeconds,
        ...(deps.onWatchEvent ? { onEvent: deps.onWatchEvent } : {}),
      });
    }
    case 'create': {
      const opts = writeOptions(query);
      const { body, duplicateFields } = await readObjectBody(r, type, opts.fieldValidation);
      checkTypeMeta(body, type, info.apiVersion);
      const result = await storage.create(scope, body as unknown as KubeObject, {
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
      const opts = writeOptions(query);
      const { body, duplicateFields } = await readObjectBody(r, type, opts.fieldValidation);
      if (subresource === 'scale') {
        const result = await storage.update(scope, info.name, scaleUpdate(type, body), {
          ...opts,
          subresource: '',
        });
        return writeJson(res, 200, getScale(type, result.object));
      }
      checkTypeMeta(body, type, info.apiVersion);
      const result = await storage.update(scope, info.name, () => body as unknown as KubeObject, {
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
      const opts = writeOptions(query);
      const mediaType = contentType(r.req.headers['content-type']);
      const body = (await readBody(r.req)).toString('utf8');
      const fieldManager = fieldManagerOf(r, opts);
      if (mediaType === PATCH_TYPES.apply) {
        if (subresource === 'scale')
          throw unsupportedMediaType(mediaType, [PATCH_TYPES.json, PATCH_TYPES.merge]);
        const applyFn = applyFunction({
          body,
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
            const scale = await patchFn(
              getScale(type, current as KubeObject) as unknown as KubeObject,
            );
            return scaleUpdate(type, scale as unknown as Record<string, unknown>)(current);
          },
          { ...opts, fieldManager, subresource: '' },
        );
        return writeJson(res, 200, getScale(type, patched.object));
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
      const options = await deleteOptions(r);
      const result = await storage.delete(scope, info.name, options);
      if (!result.deleted) return respondObject(r, type, representation, 202, result.object);
      if (type.strategy.returnDeletedObject)
        return respondObject(r, type, representation, 200, result.object);
      return writeJson(
        res,
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
      const options = await deleteOptions(r);
      const list = await storage.list(scope, listOptions(query));
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
      return writeJson(
        res,
        200,
        { ...list, items: deleted },
        { yaml: representation.kind === 'object' && representation.yaml },
      );
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
  const body = decodeObjectBody(await readBody(r.req), r.req.headers['content-type'], {
    apiVersion,
    kind,
  });
  checkEndpointTypeMeta(body, apiVersion, kind);
  const opts = writeOptions(r.query);
  const result = await create(
    {
      cluster: r.cluster,
      namespace: info.namespace || undefined,
      name: info.name,
      version: info.apiVersion,
      user: r.user,
      dryRun: opts.dryRun === true,
    },
    body as unknown as KubeObject,
  );
  writeJson(r.res, 201, result, { yaml: representation.kind === 'object' && representation.yaml });
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
    writeJson(r.res, code, toTable(type, [obj], { version, include: includeObject(r.query) }));
  } else if (representation.kind === 'partial') {
    writeJson(r.res, code, {
      kind: 'PartialObjectMetadata',
      apiVersion: `meta.k8s.io/${representation.version}`,
      metadata: obj.metadata,
    });
  } else {
    writeJson(r.res, code, obj, { yaml: representation.yaml });
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
  const body = decodeObjectBody(raw, r.req.headers['content-type'], {
    apiVersion,
    kind: type.names.kind,
  });
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

/** DeleteOptions from the body (kubectl sends one) or the query. */
async function deleteOptions(r: ResourceRequest): Promise<DeleteOptions> {
  const raw = await readBody(r.req);
  const body = raw.length > 0 ? parseJson(raw.toString('utf8')) : {};
  if (!isJsonObject(body)) throw badRequest('DeleteOptions must be a JSON object');
  const q = r.query;
  const policy = (body.propagationPolicy ?? q.get('propagationPolicy') ?? undefined) as
    | string
    | undefined;
  const orphan = body.orphanDependents ?? (q.get('orphanDependents') === 'true' ? true : undefined);
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw badRequest(
      `DeleteOptions.propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const pre = isJsonObject(body.preconditions) ? body.preconditions : {};
  const dryRun = (Array.isArray(body.dryRun) ? body.dryRun : []).concat(q.getAll('dryRun'));
  for (const d of dryRun) {
    if (d !== 'All')
      throw badRequest(`dryRun: Unsupported value: "${String(d)}": supported values: "All"`);
  }
  const effective = policy ?? (orphan === true ? 'Orphan' : undefined);
  return {
    ...(effective
      ? { propagationPolicy: effective as DeleteOptions['propagationPolicy'] & string }
      : {}),
    preconditions: {
      ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    },
    ...(dryRun.length > 0 ? { dryRun: true } : {}),
  };
}
