/** The structural schema of core/v1 ConfigMap. */
import {
  type BuiltinSchema,
  boolean,
  bytesMap,
  object,
  stringMap,
} from '../../../apimachinery/schema/dsl.ts';

export const configMapSchema: BuiltinSchema = object(
  'Non-confidential configuration as key/value pairs, for pods to read as environment variables, command-line arguments or files in a volume.',
  {
    data: stringMap(
      'UTF-8 text values by key. Keys may contain letters, digits, `-`, `_` and `.`, and must not also appear in binaryData.',
    ),
    binaryData: bytesMap(
      'Binary values by key, each base64-encoded on the wire; for content that is not valid UTF-8. Keys must not also appear in data.',
    ),
    immutable: boolean(
      'When true, data and binaryData can no longer be changed (only metadata can), and the flag itself cannot be unset.',
    ),
  },
);
