/** The structural schema of core/v1 Secret. */
import {
  type BuiltinSchema,
  boolean,
  bytesMap,
  object,
  string,
  stringMap,
} from '../../../apimachinery/schema/dsl.ts';

export const secretSchema: BuiltinSchema = object(
  'Confidential data such as passwords, tokens or keys, held by key, with a type that says which keys it must have.',
  {
    data: bytesMap(
      'The secret values by key, each base64-encoded on the wire. Keys may contain letters, digits, `-`, `_` and `.`; the total size is limited to 1 MiB.',
    ),
    stringData: stringMap(
      'Write-only convenience input: plain-text values that are encoded into data on write (overriding data entries with the same key). Never returned on read.',
    ),
    type: string(
      'What the secret holds and therefore which keys it needs, e.g. `Opaque` (the default), `kubernetes.io/tls` or `kubernetes.io/dockerconfigjson`.',
    ),
    immutable: boolean(
      'When true, data can no longer be changed (only metadata can), and the flag itself cannot be unset.',
    ),
  },
);
