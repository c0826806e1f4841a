/**
 * ConfigMaps (core/v1): string and binary data under config keys, optionally immutable.
 *
 * See also: Controller: apiserver/controllers/root-ca-publisher/ (`kube-root-ca.crt` in every
 * namespace).
 */
import {
  type ErrorList,
  FieldPath,
  forbidden,
  invalid,
  typeInvalid,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import { isBase64 } from '../../../apimachinery/schema/formats.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';
import { MAX_DATA_BYTES, validateConfigKey } from './config-keys.ts';
import { configMapSchema } from './configmaps.schema.ts';

const DATA = FieldPath.root('data');
const BINARY = FieldPath.root('binaryData');

function validate(obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  let size = 0;
  for (const [field, path] of [
    ['data', DATA],
    ['binaryData', BINARY],
  ] as const) {
    const map = obj[field];
    if (map === undefined || map === null) continue;
    if (!isJsonObject(map)) {
      errs.push(typeInvalid(path, map, 'must be an object of strings'));
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      errs.push(...validateConfigKey(key, path.key(key)));
      if (typeof value !== 'string') {
        errs.push(typeInvalid(path.key(key), value, 'must be a string'));
        continue;
      }
      if (field === 'binaryData') {
        if (!isBase64(value))
          errs.push(invalid(path.key(key), '<binary>', 'must be base64 encoded'));
        size += Math.floor((value.length * 3) / 4);
      } else size += Buffer.byteLength(value);
      if (field === 'data' && isJsonObject(obj.binaryData) && key in obj.binaryData) {
        errs.push(invalid(DATA.key(key), key, 'duplicate of key present in binaryData'));
      }
    }
  }
  if (size > MAX_DATA_BYTES) {
    errs.push({
      type: 'FieldValueTooLong',
      field: '',
      detail: `must have at most ${MAX_DATA_BYTES} bytes`,
      value: '',
    });
  }
  if (obj.immutable !== undefined && obj.immutable !== null && typeof obj.immutable !== 'boolean') {
    errs.push(typeInvalid(FieldPath.root('immutable'), obj.immutable, 'must be a boolean'));
  }
  return errs;
}

/** Immutable ConfigMaps and Secrets: data frozen, and `immutable` cannot be unset. */
export function validateImmutableData(
  obj: KubeObject,
  old: KubeObject,
  fields: readonly string[],
): ErrorList {
  if (old.immutable !== true) return [];
  const errs: ErrorList = [];
  if (obj.immutable !== true) {
    errs.push(forbidden(FieldPath.root('immutable'), 'field is immutable when `immutable` is set'));
  }
  for (const f of fields) {
    if (JSON.stringify(obj[f] ?? {}) !== JSON.stringify(old[f] ?? {})) {
      errs.push(forbidden(FieldPath.root(f), 'field is immutable when `immutable` is set'));
    }
  }
  return errs;
}

function dataCount(obj: KubeObject): number {
  const count = (m: unknown) => (isJsonObject(m) ? Object.keys(m).length : 0);
  return count(obj.data) + count(obj.binaryData);
}

export const configMaps = builtin({
  group: '',
  version: 'v1',
  plural: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  namespaced: true,
  shortNames: ['cm'],
  schema: configMapSchema,
  definitionName: 'io.k8s.api.core.v1.ConfigMap',
  strategy: {
    validate,
    validateUpdate: (obj, old) => [
      ...validate(obj),
      ...validateImmutableData(obj, old, ['data', 'binaryData']),
    ],
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Data', 'integer', 'Data contains the configuration data.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [obj.metadata.name, dataCount(obj), age(obj, now)],
  },
});
