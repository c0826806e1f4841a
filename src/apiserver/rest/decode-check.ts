/**
 * What upstream's decoding of an object refuses before anything else looks at it: apiVersion
 * and kind that are not strings, metadata that does not decode into ObjectMeta (every type:
 * custom resources coerce their metadata into it too), and, for built-in kinds, fields of the
 * wrong type for their typed struct. Each caller reports the problems its own way: a request
 * body that does not decode is a 400, a patch whose result does not is a 422, as upstream.
 */
import { fieldErrorMessage } from '../../apimachinery/field-errors.ts';
import { type GoDecodeError, type GoStruct, goDecodeError } from '../../apimachinery/go-decode.ts';
import { isJsonObject, type JsonValue, type KubeObject } from '../../apimachinery/meta.ts';
import type { StatusCause } from '../../apimachinery/status.ts';
import { objectMetaDecodeError } from '../../apimachinery/validation/object-meta.ts';
import type { ResourceType } from '../registry/resource-type.ts';

/** Upstream reads apiVersion and kind first, into a struct without a name. */
const TYPE_META: GoStruct = { name: '', fields: { apiVersion: 'string', kind: 'string' } };

export interface DecodeProblem {
  /** JSON path of the value: `metadata.labels[a]`, `data[key]`. */
  readonly field: string;
  readonly value: JsonValue;
  /** The whole message, naming the field: what a 400 for the body says. */
  readonly message: string;
  /** What is wrong with the value, for a field error at `field` (a 422's cause). */
  readonly detail: string;
}

/** The problems of `obj` as its type decodes it, first the ones upstream would hit first. */
export function decodeProblems(
  obj: Record<string, unknown>,
  type: Pick<ResourceType, 'typedDecode' | 'goType'> | undefined,
  version: string,
): DecodeProblem[] {
  const problems: DecodeProblem[] = [];
  const fromGo = (err: GoDecodeError | undefined) => {
    if (err) problems.push({ ...err, detail: err.message });
  };
  for (const field of ['apiVersion', 'kind']) {
    fromGo(goDecodeError('string', obj[field] as JsonValue | undefined, field, TYPE_META));
  }
  fromGo(objectMetaDecodeError(obj.metadata as JsonValue | undefined));
  if (!isJsonObject(obj)) return problems;
  if (type?.goType) fromGo(goDecodeError(type.goType, obj));
  if (type?.typedDecode) {
    for (const e of type.typedDecode(obj as KubeObject, version)) {
      problems.push({
        field: e.field,
        value: e.value as JsonValue,
        message: fieldErrorMessage(e),
        detail: e.detail,
      });
    }
  }
  return problems;
}

/** The problems as Status causes, one per field. */
export function decodeCauses(
  problems: readonly Pick<DecodeProblem, 'field' | 'message'>[],
): StatusCause[] {
  return problems.map((p) => ({
    reason: 'FieldValueTypeInvalid',
    message: p.message,
    field: p.field,
  }));
}
