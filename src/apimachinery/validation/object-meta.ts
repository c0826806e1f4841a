/**
 * ObjectMeta validation shared by every resource (apimachinery's ValidateObjectMeta and
 * ValidateObjectMetaUpdate): names, namespace, labels, annotations, owner references and
 * finalizers, reported as field errors under `metadata`.
 */
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  required,
  tooLong,
} from '../field-errors.ts';
import { type GoDecodeError, type GoStruct, goDecodeError } from '../go-decode.ts';
import type { JsonValue, ObjectMeta } from '../meta.ts';
import { isDNS1123Label, isQualifiedName, isValidLabelValue } from './names.ts';

const OWNER_REFERENCE: GoStruct = {
  name: 'v1.OwnerReference',
  fields: {
    apiVersion: 'string',
    kind: 'string',
    name: 'string',
    uid: 'string',
    controller: 'bool',
    blockOwnerDeletion: 'bool',
  },
};

const MANAGED_FIELDS_ENTRY: GoStruct = {
  name: 'v1.ManagedFieldsEntry',
  fields: {
    manager: 'string',
    operation: 'string',
    apiVersion: 'string',
    time: 'time',
    fieldsType: 'string',
    // FieldsV1 keeps any JSON as it is; its meaning is the field manager's business.
    fieldsV1: 'raw',
    subresource: 'string',
  },
};

/** ObjectMeta's JSON fields and the Go types their values must decode into. */
export const OBJECT_META: GoStruct = {
  name: 'v1.ObjectMeta',
  fields: {
    name: 'string',
    generateName: 'string',
    namespace: 'string',
    selfLink: 'string',
    uid: 'string',
    resourceVersion: 'string',
    generation: 'int64',
    creationTimestamp: 'time',
    deletionTimestamp: 'time',
    deletionGracePeriodSeconds: 'int64',
    labels: { map: 'string' },
    annotations: { map: 'string' },
    ownerReferences: { slice: OWNER_REFERENCE },
    finalizers: { slice: 'string' },
    managedFields: { slice: MANAGED_FIELDS_ENTRY },
  },
};

/** What decoding `metadata` (at `path`) into ObjectMeta would refuse first, if anything. */
export function objectMetaDecodeError(
  metadata: JsonValue | undefined,
  path = 'metadata',
): GoDecodeError | undefined {
  return goDecodeError(OBJECT_META, metadata, path);
}

const META = FieldPath.root('metadata');
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface MetaRules {
  readonly namespaced: boolean;
  readonly validateName: (name: string) => string[];
}

export function validateObjectMeta(meta: ObjectMeta, rules: MetaRules): ErrorList {
  const errs: ErrorList = [];
  if (meta.generateName && !meta.name) {
    // The generated suffix is appended later; validate the prefix without a trailing dash.
    for (const msg of rules.validateName(meta.generateName.replace(/-$/, ''))) {
      errs.push(invalid(META.child('generateName'), meta.generateName, msg));
    }
  }
  if (!meta.name) {
    if (!meta.generateName) {
      errs.push(required(META.child('name'), 'name or generateName is required'));
    }
  } else {
    for (const msg of rules.validateName(meta.name)) {
      errs.push(invalid(META.child('name'), meta.name, msg));
    }
  }
  if (rules.namespaced) {
    if (!meta.namespace) errs.push(required(META.child('namespace'), ''));
    else {
      for (const msg of isDNS1123Label(meta.namespace)) {
        errs.push(invalid(META.child('namespace'), meta.namespace, msg));
      }
    }
  } else if (meta.namespace) {
    errs.push(forbidden(META.child('namespace'), 'not allowed on this type'));
  }
  if (meta.generation !== undefined && meta.generation < 0) {
    errs.push(
      invalid(META.child('generation'), meta.generation, 'must be greater than or equal to 0'),
    );
  }
  errs.push(...validateLabels(meta.labels, META.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, META.child('annotations')));
  errs.push(...validateOwnerReferences(meta));
  errs.push(...validateFinalizers(meta.finalizers));
  return errs;
}

export function validateLabels(
  labels: Readonly<Record<string, string>> | undefined,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(key)) errs.push(invalid(path, key, msg));
    if (typeof value !== 'string') {
      errs.push(invalid(path.key(key), value, 'must be a string'));
      continue;
    }
    for (const msg of isValidLabelValue(value)) errs.push(invalid(path, value, msg));
  }
  return errs;
}

export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(key.toLowerCase())) errs.push(invalid(path, key, msg));
    if (typeof value !== 'string') {
      errs.push(invalid(path.key(key), value, 'must be a string'));
      continue;
    }
    size += key.length + Buffer.byteLength(value);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({
      ...tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT),
      detail: `must have at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return errs;
}

function validateOwnerReferences(meta: ObjectMeta): ErrorList {
  const errs: ErrorList = [];
  const path = META.child('ownerReferences');
  let controllers = 0;
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const at = path.index(i);
    if (!ref.apiVersion)
      errs.push(invalid(at.child('apiVersion'), ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(invalid(at.child('kind'), ref.kind ?? '', 'kind must not be empty'));
    if (!ref.name) errs.push(invalid(at.child('name'), ref.name ?? '', 'name must not be empty'));
    if (!ref.uid) errs.push(invalid(at.child('uid'), ref.uid ?? '', 'uid must not be empty'));
    if (ref.controller) controllers++;
  });
  if (controllers > 1) {
    errs.push(
      invalid(path, meta.ownerReferences, 'Only one reference can have Controller set to true'),
    );
  }
  return errs;
}

function validateFinalizers(finalizers: readonly string[] | undefined): ErrorList {
  const errs: ErrorList = [];
  const path = META.child('finalizers');
  for (const finalizer of finalizers ?? []) {
    for (const msg of isQualifiedName(finalizer)) errs.push(invalid(path, finalizer, msg));
  }
  return errs;
}

/** What an update may not change in metadata. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): ErrorList {
  const errs: ErrorList = [];
  const immutable = (field: 'name' | 'namespace' | 'uid' | 'creationTimestamp') => {
    if ((meta[field] ?? '') !== (old[field] ?? '')) {
      errs.push(invalid(META.child(field), meta[field] ?? '', 'field is immutable'));
    }
  };
  immutable('name');
  immutable('namespace');
  immutable('uid');
  immutable('creationTimestamp');
  if (old.deletionTimestamp) {
    const before = new Set(old.finalizers ?? []);
    const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) {
      errs.push(
        forbidden(
          META.child('finalizers'),
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  return errs;
}
