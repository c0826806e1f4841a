/**
 * The form's validator: none in the browser. react-jsonschema-form's AJV validator compiles
 * schemas into functions with `new Function`, which the hub's Content-Security-Policy
 * (no 'unsafe-eval') forbids — and the server validates every write anyway, with the
 * resource's full schema and CEL rules; its field errors are placed next to the fields
 * (schema-form.ts). The browser's own checks (required, minimum, maximum on the inputs)
 * still run before a submit. The forms have no oneOf/anyOf (schema-form.ts drops them),
 * which is where the library would otherwise ask `isValid` to choose a branch.
 */
import type { RJSFSchema, ValidatorType } from '@rjsf/utils';

export const serverValidator: ValidatorType<unknown, RJSFSchema> = {
  validateFormData: () => ({ errors: [], errorSchema: {} }),
  isValid: () => true,
  rawValidation: () => ({ errors: [] }),
};
