/**
 * Server-side apply requests (`application/apply-patch+yaml`): the applied configuration,
 * checked against the endpoint, merged into the live object by the field manager, which
 * also settles ownership — or refuses with a 409 listing every conflicting field.
 */
import {
  apiVersionOf,
  asKubeObject,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  objectOrEmpty,
} from '../../apimachinery/meta.ts';
import { apply } from '../../apimachinery/patch/index.ts';
import { pruneObjectMeta } from '../../apimachinery/schema/prune.ts';
import { badRequest } from '../../apimachinery/status.ts';
import type { ResourceType, Subresource } from '../registry/resource-type.ts';
import { decodeProblems } from './decode-check.ts';
import { ignoredFields, patchSchemaOf } from './field-manager.ts';
import type { UpdateFunction } from './resource-storage.ts';

export interface ApplyRequest {
  /** The applied configuration, decoded from the request body. */
  readonly config: JsonValue;
  readonly type: ResourceType;
  readonly version: string;
  readonly name: string;
  readonly subresource: Subresource;
  readonly fieldManager: string | undefined;
  readonly force: boolean;
}

/** The applied configuration, decoded and checked, as an update function. */
export function applyFunction(r: ApplyRequest): UpdateFunction {
  if (!r.fieldManager)
    throw badRequest('fieldManager: Required value: is required for apply patch');
  const config = r.config;
  if (!isJsonObject(config)) throw badRequest('the applied configuration must be an object');
  const expected = apiVersionOf(r.type.group, r.version);
  if (config.apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${String(config.apiVersion ?? '')}) does not match the expected API version (${expected})`,
    );
  }
  if (config.kind !== r.type.names.kind) {
    throw badRequest(
      `the kind in the data (${String(config.kind ?? '')}) does not match the expected kind (${r.type.names.kind})`,
    );
  }
  const meta = objectOrEmpty(config.metadata);
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  const typedPatchError = (problem: string) =>
    badRequest(
      `failed to create typed patch object (${namespace}/${r.name}; ${r.type.group}/${r.version}, Kind=${r.type.names.kind}): ${problem}`,
    );
  // A configuration that does not decode into the type cannot be applied.
  const problem = decodeProblems(config, r.type, r.version)[0];
  if (problem) throw typedPatchError(problem.message);
  if (meta.name !== undefined && meta.name !== r.name) {
    throw badRequest(
      `the name of the object (${String(meta.name)}) does not match the name on the URL (${r.name})`,
    );
  }
  // A field the schema does not declare cannot be owned: refused, as upstream's conversion
  // to a typed object refuses it (upstream answers 500; it is the client's input: 400).
  const undeclared = undeclaredFields(r.type, r.version, config);
  if (undeclared.length > 0) {
    throw typedPatchError(`.${undeclared[0]}: field not declared in schema`);
  }
  const manager = r.fieldManager;
  const schema = patchSchemaOf(r.type, r.version);
  return (live) => {
    const ignored = ignoredFields(r.type, r.subresource, asKubeObject(config));
    const result = apply(
      live,
      { ...config, metadata: { ...meta, name: r.name } } as JsonObject,
      manager,
      {
        force: r.force,
        apiVersion: expected,
        kind: r.type.names.kind,
        ...(r.subresource ? { subresource: r.subresource } : {}),
        ...(ignored ? { ignoredFields: ignored } : {}),
      },
      schema,
    );
    return result.object;
  };
}

/** The paths of the applied configuration that the type's schema does not declare. */
function undeclaredFields(type: ResourceType, version: string, config: JsonObject): string[] {
  const copy = structuredClone(config);
  return [...pruneObjectMeta(copy), ...(type.schemas?.[version]?.prune(asKubeObject(copy)) ?? [])];
}
