/**
 * The scale subresource (autoscaling/v1 Scale) of resources that declare one: replicas
 * read from and written to the paths the resource names (`.spec.replicas`), so
 * `kubectl scale` and autoscalers work on custom resources.
 */
import { invalid, typeInvalid } from '../../apimachinery/field-errors.ts';
import type { GoStruct } from '../../apimachinery/go-decode.ts';
import { asJson, isJsonObject, type JsonObject, type KubeObject } from '../../apimachinery/meta.ts';
import { invalid as invalidStatus, notFoundPath } from '../../apimachinery/status.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import { decodeProblems } from './decode-check.ts';
import type { UpdateFunction } from './resource-storage.ts';

/** autoscaling/v1 Scale as a body decodes into it (besides apiVersion, kind and metadata). */
export const SCALE_TYPE: GoStruct = {
  name: 'v1.Scale',
  fields: {
    spec: { name: 'v1.ScaleSpec', fields: { replicas: 'int32' } },
    status: { name: 'v1.ScaleStatus', fields: { replicas: 'int32', selector: 'string' } },
  },
};

const SCALE_KIND = { group: 'autoscaling', kind: 'Scale' };

/** An object of its own, so a patch applies to it as to any other. */
export interface Scale extends KubeObject {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

function segments(path: string): string[] {
  return path.replace(/^\./, '').split('.');
}

function read(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const s of segments(path)) {
    if (!isJsonObject(cur)) return undefined;
    cur = cur[s];
  }
  return cur;
}

function write(obj: JsonObject, path: string, value: number): void {
  const parts = segments(path);
  let cur = obj;
  for (const s of parts.slice(0, -1)) {
    const next = cur[s];
    if (!isJsonObject(next)) cur[s] = {};
    cur = cur[s] as JsonObject;
  }
  cur[parts.at(-1) as string] = value;
}

export function getScale(type: ResourceType, obj: KubeObject): Scale {
  const spec = type.subresources.scale;
  if (!spec) throw notFoundPath();
  const replicas = read(obj, spec.specReplicasPath);
  const statusReplicas = read(obj, spec.statusReplicasPath);
  const selector = spec.labelSelectorPath ? read(obj, spec.labelSelectorPath) : undefined;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: typeof replicas === 'number' ? { replicas } : {},
    status: {
      replicas: typeof statusReplicas === 'number' ? statusReplicas : 0,
      ...(typeof selector === 'string' ? { selector } : {}),
    },
  };
}

/**
 * An update that sets the replicas a Scale asks for. A Scale that does not decode (a patch's
 * result: a request body was refused with a 400 already) or asks for fewer than 0 replicas is
 * a 422, as upstream; absent replicas are Go's zero value, 0.
 */
export function scaleUpdate(
  type: ResourceType,
  name: string,
  body: Record<string, unknown>,
): UpdateFunction {
  const spec = type.subresources.scale;
  if (!spec) throw notFoundPath();
  const problems = decodeProblems(body, { goType: SCALE_TYPE }, 'v1');
  if (problems.length > 0) {
    throw invalidStatus(
      SCALE_KIND,
      name,
      problems.map((p) => typeInvalid(p.field, p.value, p.detail)),
    );
  }
  const asked = isJsonObject(body.spec) ? body.spec.replicas : undefined;
  const replicas = typeof asked === 'number' ? asked : 0;
  if (replicas < 0) {
    throw invalidStatus(SCALE_KIND, name, [
      invalid('spec.replicas', replicas, 'must be greater than or equal to 0'),
    ]);
  }
  const meta = isJsonObject(body.metadata as JsonObject) ? (body.metadata as JsonObject) : {};
  const rv = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : undefined;
  return (current) => {
    if (!current) throw notFoundPath();
    const next = structuredClone(current);
    write(asJson(next), spec.specReplicasPath, replicas);
    if (rv) next.metadata.resourceVersion = rv;
    return next;
  };
}
