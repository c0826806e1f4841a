/**
 * The scale subresource (autoscaling/v1 Scale) of resources that declare one: replicas
 * read from and written to the paths the resource names (`.spec.replicas`), so
 * `kubectl scale` and autoscalers work on custom resources.
 */
import { asJson, isJsonObject, type JsonObject, type KubeObject } from '../../apimachinery/meta.ts';
import { badRequest, notFoundPath } from '../../apimachinery/status.ts';
import type { ResourceType } from '../registry/resource-type.ts';
import type { UpdateFunction } from './resource-storage.ts';

export interface Scale {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  metadata: KubeObject['metadata'];
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

/** An update that sets the replicas a Scale body asks for. */
export function scaleUpdate(type: ResourceType, body: Record<string, unknown>): UpdateFunction {
  const spec = type.subresources.scale;
  if (!spec) throw notFoundPath();
  const replicas = isJsonObject(body.spec as JsonObject)
    ? (body.spec as JsonObject).replicas
    : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw badRequest('spec.replicas: Invalid value: must be a non-negative integer');
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
