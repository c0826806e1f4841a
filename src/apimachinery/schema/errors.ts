/**
 * Field-error constructors whose wording the shared helpers do not cover: upstream's TooLong
 * and TooMany singularize for a limit of one ("1 byte", "1 item"), and TooLong never echoes
 * the value.
 */
import type { FieldError } from '../field-errors.ts';

export function tooLongBytes(field: string, max: number): FieldError {
  return {
    type: 'FieldValueTooLong',
    field,
    value: '<value omitted>',
    detail:
      max >= 0
        ? `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}`
        : 'value is too long',
  };
}

export function tooManyItems(field: string, actual: number, max: number): FieldError {
  return {
    type: 'FieldValueTooMany',
    field,
    value: actual,
    detail:
      max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'too many items',
  };
}

export function internalError(field: string, detail: string): FieldError {
  return { type: 'InternalError', field, detail };
}
