/**
 * Field errors (k8s.io/apimachinery/pkg/util/validation/field): a validation failure at a
 * path in an object, turned into a 422 Invalid Status with one cause per error.
 */
export type FieldErrorType =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueNotFound'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError';

export interface FieldError {
  readonly type: FieldErrorType;
  /** Dotted path with indexes and keys: `spec.containers[0].image`, `metadata.labels[app]`. */
  readonly field: string;
  /** The upstream detail text, without the field path. */
  readonly detail: string;
  /** The offending value, when the message shows it. */
  readonly value?: unknown;
  /** Allowed values, for NotSupported. */
  readonly valid?: readonly string[];
}

export type ErrorList = FieldError[];

/** A field path builder: `path('spec').child('containers').index(0).child('image')`. */
export class FieldPath {
  readonly segments: readonly string[];

  private constructor(segments: readonly string[]) {
    this.segments = segments;
  }

  static root(...names: string[]): FieldPath {
    return names.reduce((p, n) => p.child(n), new FieldPath([]));
  }

  child(name: string, ...more: string[]): FieldPath {
    const next = new FieldPath([...this.segments, this.segments.length ? `.${name}` : name]);
    return more.length ? next.child(more[0] as string, ...more.slice(1)) : next;
  }

  index(i: number): FieldPath {
    return new FieldPath([...this.segments, `[${i}]`]);
  }

  key(k: string): FieldPath {
    return new FieldPath([...this.segments, `[${k}]`]);
  }

  toString(): string {
    return this.segments.join('');
  }
}

const at = (path: FieldPath | string) => String(path);

export const required = (path: FieldPath | string, detail = ''): FieldError => ({
  type: 'FieldValueRequired',
  field: at(path),
  detail,
});

export const invalid = (path: FieldPath | string, value: unknown, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field: at(path),
  value,
  detail,
});

export const notSupported = (
  path: FieldPath | string,
  value: unknown,
  valid: readonly string[],
): FieldError => ({
  type: 'FieldValueNotSupported',
  field: at(path),
  value,
  valid,
  detail: `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`,
});

/** `value`, when set, must be one of `allowed` (upstream's NotSupported). */
export function validateOneOf(
  path: FieldPath,
  value: unknown,
  allowed: readonly string[],
): ErrorList {
  return value === undefined || allowed.includes(String(value))
    ? []
    : [notSupported(path, value, allowed)];
}

export const forbidden = (path: FieldPath | string, detail: string): FieldError => ({
  type: 'FieldValueForbidden',
  field: at(path),
  detail,
});

export const notFound = (path: FieldPath | string, value: unknown): FieldError => ({
  type: 'FieldValueNotFound',
  field: at(path),
  value,
  detail: '',
});

export const duplicate = (path: FieldPath | string, value: unknown): FieldError => ({
  type: 'FieldValueDuplicate',
  field: at(path),
  value,
  detail: '',
});

export const tooLong = (path: FieldPath | string, value: unknown, max: number): FieldError => ({
  type: 'FieldValueTooLong',
  field: at(path),
  value,
  detail: `may not be more than ${max} bytes`,
});

export const tooMany = (path: FieldPath | string, actual: number, max: number): FieldError => ({
  type: 'FieldValueTooMany',
  field: at(path),
  value: actual,
  detail: `must have at most ${max} items`,
});

export const typeInvalid = (
  path: FieldPath | string,
  value: unknown,
  detail: string,
): FieldError => ({
  type: 'FieldValueTypeInvalid',
  field: at(path),
  value,
  detail,
});

/** The message upstream prints for one error: `spec.x: Invalid value: "y": must be …`. */
export function fieldErrorMessage(e: FieldError): string {
  const prefix = e.field ? `${e.field}: ` : '';
  switch (e.type) {
    case 'FieldValueRequired':
      return `${prefix}Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueInvalid':
      return `${prefix}Invalid value: ${formatValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueNotSupported':
      return `${prefix}Unsupported value: ${formatValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueForbidden':
      return `${prefix}Forbidden${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueDuplicate':
      return `${prefix}Duplicate value: ${formatValue(e.value)}`;
    case 'FieldValueNotFound':
      return `${prefix}Not found: ${formatValue(e.value)}`;
    case 'FieldValueTooLong':
      return `${prefix}Too long: ${e.detail}`;
    case 'FieldValueTooMany':
      return `${prefix}Too many: ${formatValue(e.value)}: ${e.detail}`;
    case 'FieldValueTypeInvalid':
      return `${prefix}Invalid value: ${formatValue(e.value)}: ${e.detail}`;
    case 'InternalError':
      return `${prefix}Internal error: ${e.detail}`;
  }
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const json = JSON.stringify(value);
  return json.length > 256 ? `${json.slice(0, 253)}...` : json;
}
