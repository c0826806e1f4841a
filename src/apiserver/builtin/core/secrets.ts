/**
 * Secrets (core/v1): base64 data under config keys, `stringData` folded into `data` on
 * write, and the keys each well-known type requires.
 *
 * See also: Controllers: apiserver/controllers/serviceaccount-token/ (fills and prunes
 * `kubernetes.io/service-account-token` Secrets); apis/controllers/apiexport/ (an export's
 * identity Secret).
 */
import {
  type ErrorList,
  FieldPath,
  invalid,
  required,
  typeInvalid,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type KubeObject } from '../../../apimachinery/meta.ts';
import { isBase64 } from '../../../apimachinery/schema/formats.ts';
import { AGE_COLUMN, column, NAME_COLUMN } from '../../../apimachinery/table.ts';
import { age } from '../age.ts';
import { builtin } from '../define.ts';
import { MAX_DATA_BYTES, validateConfigKey } from './config-keys.ts';
import { validateImmutableData } from './configmaps.ts';
import { secretSchema } from './secrets.schema.ts';

export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

const DATA = FieldPath.root('data');

/** `stringData` is write-only: merged into `data` (base64) and never stored. */
function foldStringData(obj: KubeObject): void {
  if (!isJsonObject(obj.stringData)) {
    delete obj.stringData;
    return;
  }
  const data = isJsonObject(obj.data) ? { ...obj.data } : {};
  for (const [key, value] of Object.entries(obj.stringData)) {
    if (typeof value === 'string') data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  obj.data = data;
  delete obj.stringData;
}

function defaultType(obj: KubeObject): void {
  if (!obj.type) obj.type = 'Opaque';
}

function validate(obj: KubeObject): ErrorList {
  const errs: ErrorList = [];
  const data = obj.data;
  const keys = new Set<string>();
  let size = 0;
  if (data !== undefined && data !== null && !isJsonObject(data)) {
    errs.push(typeInvalid(DATA, data, 'must be an object of base64 strings'));
  } else if (isJsonObject(data)) {
    for (const [key, value] of Object.entries(data)) {
      keys.add(key);
      errs.push(...validateConfigKey(key, DATA.key(key)));
      if (typeof value !== 'string' || !isBase64(value)) {
        // The content of a secret is never echoed back, even when it is malformed.
        errs.push(
          invalid(DATA.key(key), '<secret contents redacted>', 'must be a base64 encoded string'),
        );
        continue;
      }
      size += Buffer.from(value, 'base64').length;
    }
  }
  if (size > MAX_DATA_BYTES) {
    errs.push({
      type: 'FieldValueTooLong',
      field: 'data',
      detail: `must have at most ${MAX_DATA_BYTES} bytes`,
      value: '',
    });
  }
  const type = obj.type;
  if (typeof type !== 'string') {
    errs.push(typeInvalid(FieldPath.root('type'), type, 'must be a string'));
    return errs;
  }
  const need = (key: string) => {
    if (!keys.has(key)) errs.push(required(DATA.key(key), ''));
  };
  // Docker configurations must be JSON objects; what is wrong is said, the content never.
  const needJsonObject = (key: string) => {
    need(key);
    const raw = isJsonObject(data) ? data[key] : undefined;
    if (typeof raw !== 'string' || !isBase64(raw)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    } catch {
      // The parser's message quotes the content: not repeated here.
    }
    if (!isJsonObject(parsed))
      errs.push(invalid(DATA.key(key), '<secret contents redacted>', 'must be a JSON object'));
  };
  switch (type) {
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but at least one key must be there.
      if (!keys.has('username') && !keys.has('password')) {
        need('username');
        need('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      need('ssh-privatekey');
      break;
    case 'kubernetes.io/tls':
      need('tls.crt');
      need('tls.key');
      break;
    case 'kubernetes.io/dockercfg':
      needJsonObject('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      needJsonObject('.dockerconfigjson');
      break;
    case 'kubernetes.io/service-account-token':
      if (!obj.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION]) {
        errs.push(
          required(
            FieldPath.root('metadata', 'annotations').key(SERVICE_ACCOUNT_NAME_ANNOTATION),
            '',
          ),
        );
      }
      break;
  }
  return errs;
}

function validateUpdate(obj: KubeObject, old: KubeObject): ErrorList {
  const errs = validate(obj);
  if (obj.type !== old.type)
    errs.push(invalid(FieldPath.root('type'), obj.type, 'field is immutable'));
  errs.push(...validateImmutableData(obj, old, ['data']));
  return errs;
}

export const secrets = builtin({
  group: '',
  version: 'v1',
  plural: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  namespaced: true,
  schema: secretSchema,
  definitionName: 'io.k8s.api.core.v1.Secret',
  strategy: {
    prepareForCreate: (obj) => {
      foldStringData(obj);
      defaultType(obj);
    },
    prepareForUpdate: (obj) => {
      foldStringData(obj);
      defaultType(obj);
    },
    validate,
    validateUpdate,
    allowUnconditionalUpdate: true,
    columns: [
      NAME_COLUMN,
      column('Type', 'string', 'The type of the secret'),
      column('Data', 'integer', 'Data contains the secret data.'),
      AGE_COLUMN,
    ],
    cells: (obj, now) => [
      obj.metadata.name,
      obj.type,
      isJsonObject(obj.data) ? Object.keys(obj.data).length : 0,
      age(obj, now),
    ],
    fields: (obj) => ({ type: typeof obj.type === 'string' ? obj.type : '' }),
    fieldNames: ['type'],
  },
});
