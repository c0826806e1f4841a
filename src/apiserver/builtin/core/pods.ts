/**
 * Pods (core/v1). Canopy has no scheduler and no kubelet: a Pod is stored, validated and
 * defaulted as upstream does, starts `Pending` and stays so unless whatever runs it (the
 * PostgreSQL operator, for the instances it runs as processes) writes its status. Creating a
 * pod no node is named for earns a warning saying so. The spec is immutable but for images,
 * activeDeadlineSeconds and added tolerations; the table is kubectl's (READY, STATUS with
 * upstream's reasons, RESTARTS with the time of the last one).
 */
import { isDeepStrictEqual } from 'node:util';
import type { Pod } from '../../../api/core/types.ts';
import { humanDuration } from '../../../apimachinery/duration.ts';
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
} from '../../../apimachinery/field-errors.ts';
import {
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectOrEmpty,
} from '../../../apimachinery/meta.ts';
import { object } from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';
import { podSpecSchema, podStatusSchema } from './pod-spec.schema.ts';
import { defaultPodSpec, validatePodSpec } from './pod-spec.ts';

export const NO_NODE_WARNING =
  'Canopy runs no scheduler and no kubelet: nothing will start the containers of a pod without spec.nodeName, so it stays Pending';

const SPEC = FieldPath.root('spec');

export const podSchema = object('A group of containers that run together on one node.', {
  spec: podSpecSchema,
  status: podStatusSchema,
});

type Requests = Record<string, unknown> | undefined;

/** Upstream's QoS class: BestEffort without any request or limit, Guaranteed when each is equal. */
export function qosClass(spec: JsonObject): string {
  const containers = [spec.initContainers, spec.containers].flatMap((l) =>
    Array.isArray(l) ? l.filter(isJsonObject) : [],
  );
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const r = objectOrEmpty(c.resources);
    const limits = (isJsonObject(r.limits) ? r.limits : undefined) as Requests;
    const requests = (isJsonObject(r.requests) ? r.requests : undefined) as Requests;
    for (const name of ['cpu', 'memory']) {
      const limit = limits?.[name];
      const request = requests?.[name];
      if (limit !== undefined || request !== undefined) any = true;
      if (limit === undefined || String(request ?? limit) !== String(limit)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function prepareForCreate(obj: KubeObject): void {
  defaultPodSpec(obj.spec);
  obj.status = {
    phase: 'Pending',
    ...(isJsonObject(obj.spec) ? { qosClass: qosClass(obj.spec) } : {}),
  };
}

/** What a pod update may change: images, a shorter deadline, added tolerations. */
function mutableFieldsCleared(spec: JsonObject, old: JsonObject): JsonObject {
  const copy = structuredClone(spec);
  for (const field of ['containers', 'initContainers'] as const) {
    const list = copy[field];
    const oldList = old[field];
    if (!Array.isArray(list) || !Array.isArray(oldList)) continue;
    list.forEach((c, i) => {
      const o = oldList[i];
      if (isJsonObject(c) && isJsonObject(o)) c.image = o.image ?? null;
    });
  }
  copy.activeDeadlineSeconds = old.activeDeadlineSeconds ?? null;
  const tolerations = Array.isArray(copy.tolerations) ? copy.tolerations : [];
  const oldTolerations = Array.isArray(old.tolerations) ? old.tolerations : [];
  if (oldTolerations.every((t) => tolerations.some((n) => isDeepStrictEqual(n, t)))) {
    copy.tolerations = old.tolerations ?? null;
  }
  return copy;
}

function validateUpdate(obj: KubeObject, old: KubeObject): ErrorList {
  const errs = validatePodSpec(obj.spec, SPEC);
  if (!isJsonObject(obj.spec) || !isJsonObject(old.spec)) return errs;
  const oldSpec = old.spec;
  const cleared = mutableFieldsCleared(obj.spec, oldSpec);
  const oldCleared = mutableFieldsCleared(oldSpec, oldSpec);
  if (
    !isDeepStrictEqual(JSON.parse(JSON.stringify(cleared)), JSON.parse(JSON.stringify(oldCleared)))
  ) {
    errs.push(
      forbidden(
        SPEC,
        'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      ),
    );
  }
  const deadline = obj.spec.activeDeadlineSeconds;
  const oldDeadline = oldSpec.activeDeadlineSeconds;
  if (typeof oldDeadline === 'number' && (typeof deadline !== 'number' || deadline > oldDeadline)) {
    errs.push(
      invalid(
        SPEC.child('activeDeadlineSeconds'),
        deadline ?? null,
        'must be less than or equal to previous value',
      ),
    );
  }
  return errs;
}

interface PodRow {
  ready: string;
  reason: string;
  restarts: string;
}

/** printPod: kubectl's READY, STATUS and RESTARTS of a pod. */
export function podRow(pod: Pod, now: number): PodRow {
  const status = pod.status ?? {};
  const total = pod.spec?.containers?.length ?? 0;
  let reason: string = status.reason || status.phase || '';
  let restarts = 0;
  let ready = 0;
  let lastRestart = 0;
  const noteRestart = (finishedAt: string | undefined) => {
    const t = finishedAt ? Date.parse(finishedAt) : 0;
    if (t > lastRestart) lastRestart = t;
  };
  let initializing = false;
  const initCount = pod.spec?.initContainers?.length ?? 0;
  for (const [i, c] of (status.initContainerStatuses ?? []).entries()) {
    restarts += c.restartCount ?? 0;
    noteRestart(c.lastState?.terminated?.finishedAt);
    const t = c.state?.terminated;
    const w = c.state?.waiting;
    if (t && t.exitCode === 0) continue;
    if (t) {
      if (t.reason) reason = `Init:${t.reason}`;
      else reason = t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    } else if (w?.reason && w.reason !== 'PodInitializing') reason = `Init:${w.reason}`;
    else reason = `Init:${i}/${initCount}`;
    initializing = true;
    break;
  }
  const initialized = status.conditions?.some(
    (c) => c.type === 'Initialized' && c.status === 'True',
  );
  if (!initializing || initialized) {
    let running = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (!c) continue;
      restarts += c.restartCount ?? 0;
      noteRestart(c.lastState?.terminated?.finishedAt);
      const t = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      else if (c.ready && c.state?.running) {
        running = true;
        ready++;
      }
    }
    if (reason === 'Completed' && running) {
      const podReady = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      reason = podReady ? 'Running' : 'NotReady';
    }
  }
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && !terminal) reason = 'Terminating';
  const restartText =
    restarts !== 0 && lastRestart > 0
      ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
      : String(restarts);
  return { ready: `${ready}/${total}`, reason, restarts: restartText };
}

function cells(obj: KubeObject, now: number): unknown[] {
  const pod = obj as Pod;
  const row = podRow(pod, now);
  const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
  const gates = Array.isArray(pod.spec?.readinessGates) ? pod.spec.readinessGates.length : 0;
  let gatesText = '<none>';
  if (gates > 0) {
    const types = new Set(
      (pod.spec.readinessGates as JsonObject[]).map((g) => String(g.conditionType ?? '')),
    );
    const met = (pod.status?.conditions ?? []).filter(
      (c) => types.has(c.type) && c.status === 'True',
    ).length;
    gatesText = `${met}/${gates}`;
  }
  return [
    obj.metadata.name,
    row.ready,
    row.reason,
    row.restarts,
    age(obj, now),
    ip,
    pod.spec?.nodeName || '<none>',
    (pod.status as JsonObject | undefined)?.nominatedNodeName || '<none>',
    gatesText,
  ];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export const pods = builtin({
  group: '',
  version: 'v1',
  plural: 'pods',
  singular: 'pod',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  subresources: { status: true },
  schema: podSchema,
  definitionName: 'io.k8s.api.core.v1.Pod',
  strategy: {
    prepareForCreate,
    validate: (obj) => validatePodSpec(obj.spec, SPEC),
    validateUpdate,
    warningsOnCreate: (obj) =>
      isJsonObject(obj.spec) && typeof obj.spec.nodeName === 'string' && obj.spec.nodeName
        ? []
        : [NO_NODE_WARNING],
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Ready', 'string', 'Ready containers of all containers.'),
      column('Status', 'string', "The pod's phase, or why it is not running."),
      column('Restarts', 'string', 'Container restarts, and how long ago the last was.'),
      AGE_COLUMN,
      column('IP', 'string', 'The address of the pod.', 1),
      column('Node', 'string', 'The node the pod is bound to.', 1),
      column('Nominated Node', 'string', 'The node preemption made room on.', 1),
      column('Readiness Gates', 'string', 'Readiness gates met of all gates.', 1),
    ],
    cells,
    fields: (obj) => {
      const spec = objectOrEmpty(obj.spec);
      const status = objectOrEmpty(obj.status);
      return {
        'spec.nodeName': str(spec.nodeName),
        'spec.restartPolicy': str(spec.restartPolicy),
        'spec.schedulerName': str(spec.schedulerName),
        'spec.serviceAccountName': str(spec.serviceAccountName),
        'spec.hostNetwork': String(spec.hostNetwork === true),
        'status.phase': str(status.phase),
        'status.podIP': str(status.podIP),
        'status.nominatedNodeName': str(status.nominatedNodeName),
      };
    },
    fieldNames: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ],
  },
});
