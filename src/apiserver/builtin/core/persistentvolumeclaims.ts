/**
 * PersistentVolumeClaims (core/v1). Canopy provisions no volumes: a claim is validated
 * (access modes, a storage request), starts Pending and says so in a warning; whatever owns
 * the storage may report it Bound through /status. The spec is immutable but for a growing
 * storage request. kubectl's table (STATUS, VOLUME, CAPACITY, ACCESS MODES, STORAGECLASS,
 * VOLUMEATTRIBUTESCLASS).
 */
import { isDeepStrictEqual } from 'node:util';
import type { PersistentVolumeClaim } from '../../../api/core/types.ts';
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  notSupported,
  required,
  validateOneOf,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type JsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import { compareQuantities, tryParseQuantity } from '../../../apimachinery/quantity.ts';
import {
  atomicStrings,
  type BuiltinSchema,
  keyedList,
  labelSelector,
  object,
  openObject,
  quantityMap,
  string,
  stringMap,
} from '../../../apimachinery/schema/dsl.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';

export const NO_PROVISIONER_WARNING =
  'Canopy provisions no volumes: this claim stays Pending unless the component that owns its storage binds it';

const ACCESS_MODES = [
  'ReadOnlyMany',
  'ReadWriteMany',
  'ReadWriteOnce',
  'ReadWriteOncePod',
] as const;
const SHORT_MODES: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};
const SPEC = FieldPath.root('spec');

export const persistentVolumeClaimSchema: BuiltinSchema = object(
  'A request for storage that pods mount by the claim name.',
  {
    spec: object('What storage is wanted.', {
      accessModes: atomicStrings(
        'How the volume may be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod.',
      ),
      selector: labelSelector('Labels of the volumes the claim may bind to.'),
      resources: object('How much storage.', {
        limits: quantityMap('The most the claim may use.'),
        requests: quantityMap('What the claim needs, e.g. `storage: 1Gi`.'),
      }),
      volumeName: string('The volume the claim is bound to.'),
      storageClassName: string('The StorageClass that provisions the volume.'),
      volumeMode: string('Filesystem (the default) or Block.'),
      dataSource: openObject('An object to fill the volume from (a snapshot, another claim).'),
      dataSourceRef: openObject('Like dataSource, possibly in another namespace.'),
      volumeAttributesClassName: string('The VolumeAttributesClass of the volume.'),
    }),
    status: object('What is known about the claim.', {
      phase: string('Pending, Bound or Lost.'),
      accessModes: atomicStrings('The access modes of the bound volume.'),
      capacity: quantityMap('The size of the bound volume.'),
      conditions: keyedList(
        'Observations.',
        openObject('One observation.', { type: string('The condition type.') }),
        ['type'],
      ),
      allocatedResources: quantityMap('What was allocated to the claim.'),
      allocatedResourceStatuses: stringMap('The state of resizes.'),
      currentVolumeAttributesClassName: string('The class the volume has now.'),
      modifyVolumeStatus: openObject('The state of a class change.'),
    }),
  },
);

function storageRequest(obj: KubeObject): unknown {
  const spec = obj.spec;
  if (!isJsonObject(spec) || !isJsonObject(spec.resources)) return undefined;
  const requests = spec.resources.requests;
  return isJsonObject(requests) ? requests.storage : undefined;
}

function validate(obj: KubeObject): ErrorList {
  const spec = obj.spec;
  if (!isJsonObject(spec)) return [required(SPEC, '')];
  const errs: ErrorList = [];
  const modes = Array.isArray(spec.accessModes) ? spec.accessModes : [];
  if (modes.length === 0)
    errs.push(required(SPEC.child('accessModes'), 'at least 1 access mode is required'));
  modes.forEach((m, i) => {
    if (!(ACCESS_MODES as readonly unknown[]).includes(m)) {
      errs.push(notSupported(SPEC.child('accessModes').index(i), m, ACCESS_MODES));
    }
  });
  const storage = storageRequest(obj);
  const path = SPEC.child('resources', 'requests').key('storage');
  if (storage === undefined) errs.push(required(path, ''));
  else {
    const q = tryParseQuantity(String(storage));
    if (q === undefined || String(storage).startsWith('-') || q.isZero()) {
      errs.push(invalid(path, storage, 'must be greater than zero'));
    }
  }
  errs.push(...validateOneOf(SPEC.child('volumeMode'), spec.volumeMode, ['Block', 'Filesystem']));
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): ErrorList {
  const errs = validate(obj);
  const spec = isJsonObject(obj.spec) ? structuredClone(obj.spec) : {};
  const oldSpec = isJsonObject(old.spec) ? structuredClone(old.spec) : {};
  for (const s of [spec, oldSpec] as JsonObject[]) {
    if (isJsonObject(s.resources)) delete s.resources.requests;
    delete s.volumeAttributesClassName;
    // The binder fills in the volume name of a claim that had none.
  }
  if (oldSpec.volumeName === undefined) delete spec.volumeName;
  if (!isDeepStrictEqual(spec, oldSpec)) {
    errs.push(
      forbidden(
        SPEC,
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
      ),
    );
  }
  const next = tryParseQuantity(String(storageRequest(obj) ?? ''));
  const before = tryParseQuantity(String(storageRequest(old) ?? ''));
  if (next && before && compareQuantities(next, before) < 0) {
    errs.push(
      forbidden(
        SPEC.child('resources', 'requests').key('storage'),
        'field can not be less than status.capacity',
      ),
    );
  }
  return errs;
}

export const persistentVolumeClaims = builtin({
  group: '',
  version: 'v1',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  kind: 'PersistentVolumeClaim',
  namespaced: true,
  shortNames: ['pvc'],
  subresources: { status: true },
  schema: persistentVolumeClaimSchema,
  definitionName: 'io.k8s.api.core.v1.PersistentVolumeClaim',
  strategy: {
    prepareForCreate: (obj) => {
      if (isJsonObject(obj.spec)) obj.spec.volumeMode ??= 'Filesystem';
      obj.status = { phase: 'Pending' };
    },
    validate,
    validateUpdate,
    warningsOnCreate: () => [NO_PROVISIONER_WARNING],
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Status', 'string', 'Pending, Bound or Lost.'),
      column('Volume', 'string', 'The volume the claim is bound to.'),
      column('Capacity', 'string', 'The size of the bound volume.'),
      column('Access Modes', 'string', 'How the volume may be mounted.'),
      column('StorageClass', 'string', 'The class that provisions the volume.'),
      column('VolumeAttributesClass', 'string', 'The attributes class of the volume.'),
      AGE_COLUMN,
      column('VolumeMode', 'string', 'Filesystem or Block.', 1),
    ],
    cells: (obj, now) => {
      const pvc = obj as PersistentVolumeClaim;
      const bound = pvc.spec?.volumeName;
      const status = pvc.status ?? {};
      const modes = (status.accessModes ?? []).map((m) => SHORT_MODES[m] ?? m).join(',');
      return [
        obj.metadata.name,
        status.phase ?? '',
        bound ?? '',
        bound ? (status.capacity?.storage ?? '') : '',
        bound ? modes : '',
        pvc.spec?.storageClassName ?? '<unset>',
        (pvc.spec?.volumeAttributesClassName as string | undefined) ?? '<unset>',
        age(obj, now),
        pvc.spec?.volumeMode ?? 'Filesystem',
      ];
    },
  },
});
