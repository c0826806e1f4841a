/** Keys of ConfigMap and Secret data: what a file name in a mounted volume may be. */
import { type ErrorList, type FieldPath, invalid } from '../../../apimachinery/field-errors.ts';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_KEY_LENGTH = 253;
/** Total size of a ConfigMap's or Secret's data. */
export const MAX_DATA_BYTES = 1024 * 1024;

export function validateConfigKey(key: string, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (key.length > MAX_KEY_LENGTH)
    errs.push(invalid(path, key, `must be no more than ${MAX_KEY_LENGTH} characters`));
  if (!CONFIG_KEY.test(key)) {
    errs.push(
      invalid(
        path,
        key,
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      ),
    );
  }
  if (key === '.' || key === '..') errs.push(invalid(path, key, `must not be '${key}'`));
  else if (key.startsWith('..')) errs.push(invalid(path, key, "must not start with '..'"));
  return errs;
}
