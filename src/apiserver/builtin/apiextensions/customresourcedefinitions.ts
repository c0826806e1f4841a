/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1): validation of names, versions,
 * schemas, printer columns and subresources with upstream's messages; deletion held by
 * the cleanup finalizer until the CRD's objects are gone; the NAME / CREATED AT table.
 *
 * See also: Admission: ServedResources (apiserver/admission/served-resources.ts: no
 * resource the workspace already serves). Controller: apiserver/controllers/crd/
 * (Established, NamesAccepted, cleanup).
 * Served types: apiserver/registry/crd-source.ts. A CRD's group and resource also hold off
 * APIBindings (apis/controllers/apibinding/, NamingConflicts).
 */

import {
  CRD_CLEANUP_FINALIZER,
  type CustomResourceDefinition,
  type CustomResourceDefinitionNames,
  type CustomResourceDefinitionVersion,
} from '../../../api/apiextensions/types.ts';
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  notSupported,
  required,
  tooMany,
} from '../../../apimachinery/field-errors.ts';
import { validatePrinterColumnPath } from '../../../apimachinery/jsonpath/index.ts';
import type { KubeObject } from '../../../apimachinery/meta.ts';
import { timestamp } from '../../../apimachinery/meta.ts';
import { checkStructural } from '../../../apimachinery/schema/structural.ts';
import { column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
} from '../../../apimachinery/validation/names.ts';
import { createdAt } from '../age.ts';
import { builtin } from '../define.ts';
import { customResourceDefinitionSchema } from './customresourcedefinitions.schema.ts';

const SPEC = FieldPath.root('spec');
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = [
  'byte',
  'date',
  'date-time',
  'double',
  'float',
  'int32',
  'int64',
  'password',
  '',
];
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const MAX_SELECTABLE_FIELDS = 8;

const crd = (obj: KubeObject) => obj as CustomResourceDefinition;

export function validateNames(
  names: CustomResourceDefinitionNames | undefined,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  if (!names || typeof names !== 'object') return [required(path, '')];
  const label = (value: string | undefined, field: string, need: boolean) => {
    if (!value) {
      if (need) errs.push(required(path.child(field), ''));
      return;
    }
    for (const msg of isDNS1123Label(value)) errs.push(invalid(path.child(field), value, msg));
  };
  label(names.plural, 'plural', true);
  label(names.singular, 'singular', false);
  const kind = (value: string | undefined, field: string, need: boolean) => {
    if (!value) {
      if (need) errs.push(required(path.child(field), ''));
      return;
    }
    if (!KIND.test(value)) {
      errs.push(
        invalid(
          path.child(field),
          value,
          'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?',
        ),
      );
    }
  };
  kind(names.kind, 'kind', true);
  kind(names.listKind, 'listKind', false);
  if (names.kind && names.listKind && names.kind === names.listKind) {
    errs.push(
      invalid(path.child('listKind'), names.listKind, 'kind and listKind may not be the same'),
    );
  }
  (names.shortNames ?? []).forEach((s, i) => {
    for (const msg of isDNS1123Label(s))
      errs.push(invalid(path.child('shortNames').index(i), s, msg));
  });
  (names.categories ?? []).forEach((c, i) => {
    for (const msg of isDNS1123Label(c))
      errs.push(invalid(path.child('categories').index(i), c, msg));
  });
  return errs;
}

export function validateGroup(group: string | undefined, path: FieldPath): ErrorList {
  if (!group) return [required(path, '')];
  const errs: ErrorList = isDNS1123Subdomain(group).map((msg) => invalid(path, group, msg));
  if (!group.includes('.'))
    errs.push(invalid(path, group, 'should be a domain with at least one dot'));
  return errs;
}

function validateColumns(version: CustomResourceDefinitionVersion, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  (version.additionalPrinterColumns ?? []).forEach((c, i) => {
    const at = path.child('additionalPrinterColumns').index(i);
    if (!c.name) errs.push(required(at.child('name'), ''));
    if (!COLUMN_TYPES.includes(c.type))
      errs.push(notSupported(at.child('type'), c.type, COLUMN_TYPES));
    if (c.format !== undefined && !COLUMN_FORMATS.includes(c.format)) {
      errs.push(notSupported(at.child('format'), c.format, COLUMN_FORMATS.filter(Boolean)));
    }
    if (c.priority !== undefined && c.priority < 0) {
      errs.push(invalid(at.child('priority'), c.priority, 'must be greater than or equal to 0'));
    }
    if (!c.jsonPath) errs.push(required(at.child('jsonPath'), ''));
    else {
      const bad = validatePrinterColumnPath(c.jsonPath);
      if (bad) errs.push(invalid(at.child('jsonPath'), c.jsonPath, bad));
    }
  });
  const selectable = version.selectableFields ?? [];
  if (selectable.length > MAX_SELECTABLE_FIELDS) {
    errs.push(tooMany(path.child('selectableFields'), selectable.length, MAX_SELECTABLE_FIELDS));
  }
  selectable.forEach((f, i) => {
    const at = path.child('selectableFields').index(i).child('jsonPath');
    if (!f.jsonPath) errs.push(required(at, ''));
    else {
      const bad = validatePrinterColumnPath(f.jsonPath);
      if (bad) errs.push(invalid(at, f.jsonPath, bad));
    }
  });
  return errs;
}

function validateSubresources(
  version: CustomResourceDefinitionVersion,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  const scale = version.subresources?.scale;
  if (!scale) return errs;
  const at = path.child('subresources', 'scale');
  const simple = /^(\.[a-zA-Z0-9_-]+)+$/;
  if (!scale.specReplicasPath) errs.push(required(at.child('specReplicasPath'), ''));
  else if (!scale.specReplicasPath.startsWith('.spec.') || !simple.test(scale.specReplicasPath)) {
    errs.push(
      invalid(
        at.child('specReplicasPath'),
        scale.specReplicasPath,
        'should be a json path under .spec',
      ),
    );
  }
  if (!scale.statusReplicasPath) errs.push(required(at.child('statusReplicasPath'), ''));
  else if (
    !scale.statusReplicasPath.startsWith('.status.') ||
    !simple.test(scale.statusReplicasPath)
  ) {
    errs.push(
      invalid(
        at.child('statusReplicasPath'),
        scale.statusReplicasPath,
        'should be a json path under .status',
      ),
    );
  }
  if (
    scale.labelSelectorPath &&
    (!/^\.(spec|status)\./.test(scale.labelSelectorPath) || !simple.test(scale.labelSelectorPath))
  ) {
    errs.push(
      invalid(
        at.child('labelSelectorPath'),
        scale.labelSelectorPath,
        'should be a json path under either .spec or .status',
      ),
    );
  }
  return errs;
}

/** Versions of a CRD-shaped spec (also APIResourceSchemas): names, storage, schemas. */
export function validateVersions(
  versions: CustomResourceDefinitionVersion[] | undefined,
  path: FieldPath,
  schemasRequired: boolean,
): ErrorList {
  const errs: ErrorList = [];
  if (!Array.isArray(versions) || versions.length === 0)
    return [required(path, 'must have at least one version')];
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((v, i) => {
    const at = path.index(i);
    if (!v.name) errs.push(required(at.child('name'), ''));
    else {
      for (const msg of isDNS1035Label(v.name)) errs.push(invalid(at.child('name'), v.name, msg));
      if (seen.has(v.name))
        errs.push({
          type: 'FieldValueDuplicate',
          field: String(at.child('name')),
          value: v.name,
          detail: '',
        });
      seen.add(v.name);
    }
    if (v.storage) storage++;
    const schema = v.schema?.openAPIV3Schema;
    if (!schema) {
      if (schemasRequired)
        errs.push(required(at.child('schema', 'openAPIV3Schema'), 'schemas are required'));
    } else {
      errs.push(...checkStructural(schema, at.child('schema', 'openAPIV3Schema')));
    }
    errs.push(...validateColumns(v, at));
    errs.push(...validateSubresources(v, at));
  });
  if (storage !== 1) {
    errs.push(
      invalid(
        path,
        versions.map((v) => v.name),
        'must have exactly one version marked as storage version',
      ),
    );
  }
  if (!versions.some((v) => v.served)) {
    errs.push(
      invalid(
        path,
        versions.map((v) => v.name),
        'must have at least one served version',
      ),
    );
  }
  return errs;
}

function validate(obj: KubeObject): ErrorList {
  const spec = crd(obj).spec;
  if (!spec || typeof spec !== 'object') return [required(SPEC, '')];
  const errs: ErrorList = [];
  errs.push(...validateGroup(spec.group, SPEC.child('group')));
  errs.push(...validateNames(spec.names, SPEC.child('names')));
  if (
    spec.names?.plural &&
    spec.group &&
    obj.metadata.name !== `${spec.names.plural}.${spec.group}`
  ) {
    errs.push(
      invalid(
        FieldPath.root('metadata', 'name'),
        obj.metadata.name,
        'must be spec.names.plural+"."+spec.group',
      ),
    );
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errs.push(notSupported(SPEC.child('scope'), spec.scope, ['Cluster', 'Namespaced']));
  }
  errs.push(...validateVersions(spec.versions, SPEC.child('versions'), true));
  const strategy = spec.conversion?.strategy ?? 'None';
  if (strategy !== 'None' && strategy !== 'Webhook') {
    errs.push(notSupported(SPEC.child('conversion', 'strategy'), strategy, ['None', 'Webhook']));
  } else if (strategy === 'Webhook' && (spec.versions?.length ?? 0) > 1) {
    errs.push(
      forbidden(
        SPEC.child('conversion', 'strategy'),
        'conversion webhooks are not supported by Canopy; use "None" (versions must then share a schema)',
      ),
    );
  }
  if (spec.preserveUnknownFields === true) {
    errs.push(
      invalid(
        SPEC.child('preserveUnknownFields'),
        true,
        'must be false in order to use defaults in the schema',
      ),
    );
  }
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): ErrorList {
  const errs = validate(obj);
  const spec = crd(obj).spec;
  const oldSpec = crd(old).spec;
  if (spec?.scope !== oldSpec?.scope)
    errs.push(invalid(SPEC.child('scope'), spec?.scope, 'field is immutable'));
  if (spec?.group !== oldSpec?.group)
    errs.push(invalid(SPEC.child('group'), spec?.group, 'field is immutable'));
  const stored = crd(old).status?.storedVersions ?? [];
  const now = new Set((spec?.versions ?? []).map((v) => v.name));
  for (const v of stored) {
    if (!now.has(v)) {
      errs.push(
        invalid(FieldPath.root('status', 'storedVersions'), stored, `must appear in spec.versions`),
      );
      break;
    }
  }
  return errs;
}

function defaults(obj: KubeObject): void {
  const spec = crd(obj).spec;
  if (!spec || typeof spec !== 'object') return;
  spec.conversion ??= { strategy: 'None' };
  if (spec.names && typeof spec.names === 'object' && spec.names.kind) {
    spec.names.singular ||= spec.names.kind.toLowerCase();
    spec.names.listKind ||= `${spec.names.kind}List`;
  }
}

export const customResourceDefinitions = builtin({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  subresources: { status: true },
  schema: customResourceDefinitionSchema,
  definitionName:
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  strategy: {
    prepareForCreate(obj) {
      defaults(obj);
      crd(obj).status = {
        conditions: [],
        acceptedNames: { plural: '', kind: '' },
        storedVersions: [],
      };
    },
    prepareForUpdate: defaults,
    validate,
    validateUpdate,
    generationChanged: (obj, old) =>
      JSON.stringify(crd(obj).spec) !== JSON.stringify(crd(old).spec),
    allowUnconditionalUpdate: true,
    // The first delete turns into "Terminating": the cleanup finalizer holds the CRD
    // until the controller has deleted every object of it.
    holdsDeletion: (obj) => !obj.metadata.deletionTimestamp,
    prepareForDelete(obj) {
      const c = crd(obj);
      obj.metadata.finalizers = [
        ...new Set([...(obj.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER]),
      ];
      const conditions = (c.status?.conditions ?? []).filter((x) => x.type !== 'Terminating');
      conditions.push({
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionInProgress',
        message: 'CustomResource deletion is in progress',
        lastTransitionTime: timestamp(),
      });
      c.status = { ...c.status, conditions };
    },
    columns: [
      NAME_COLUMN,
      column('Created At', 'date', 'Timestamp of when the CustomResourceDefinition was created'),
    ],
    cells: (obj) => [obj.metadata.name, createdAt(obj)],
  },
});
