/**
 * Query parameters of resource requests, parsed and checked once: list and watch options,
 * write options (dryRun, fieldManager, fieldValidation, force), table options and delete
 * options given in the query. Bad values are 400s with upstream wording.
 */
import { parseFieldSelector } from '../../apimachinery/fields.ts';
import { parseLabelSelector } from '../../apimachinery/labels.ts';
import { badRequest } from '../../apimachinery/status.ts';
import type { IncludeObject } from '../../apimachinery/table.ts';
import type { ListOptions } from '../rest/resource-storage.ts';
import type { FieldValidation, WriteOptions } from '../rest/scope.ts';
import type { WatchOptions } from '../rest/watch.ts';

function bool(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (v === 'true' || v === '1' || v === '') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
}

function integer(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

export function listOptions(
  query: URLSearchParams,
): ListOptions & WatchOptions & { timeoutSeconds?: number } {
  const labelSelector = query.get('labelSelector');
  const fieldSelector = query.get('fieldSelector');
  const limit = integer(query, 'limit');
  const match = query.get('resourceVersionMatch');
  if (match !== null && match !== '' && match !== 'NotOlderThan' && match !== 'Exact') {
    throw badRequest(
      `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
    );
  }
  const timeoutSeconds = integer(query, 'timeoutSeconds');
  const cont = query.get('continue');
  const rv = query.get('resourceVersion');
  const bookmarks = bool(query, 'allowWatchBookmarks');
  const initial = bool(query, 'sendInitialEvents');
  return {
    ...(labelSelector ? { labels: parseLabelSelector(labelSelector) } : {}),
    ...(fieldSelector ? { fields: parseFieldSelector(fieldSelector) } : {}),
    ...(limit !== undefined && limit > 0 ? { limit } : {}),
    ...(cont ? { continue: cont } : {}),
    ...(rv !== null && rv !== '' ? { resourceVersion: rv } : {}),
    ...(match ? { resourceVersionMatch: match } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(bookmarks !== undefined ? { allowWatchBookmarks: bookmarks } : {}),
    ...(initial !== undefined ? { sendInitialEvents: initial } : {}),
  };
}

const FIELD_VALIDATIONS = ['Ignore', 'Warn', 'Strict'];

export function writeOptions(query: URLSearchParams): WriteOptions & { force?: boolean } {
  const dryRun = query.getAll('dryRun');
  for (const d of dryRun) {
    if (d !== 'All') throw badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  }
  const fieldManager = query.get('fieldManager');
  if (fieldManager !== null) {
    if (fieldManager.length > 128) {
      throw badRequest('fieldManager: Too long: may not be more than 128 bytes');
    }
    if (!/^[\x20-\x7e]*$/.test(fieldManager)) {
      throw badRequest(
        `fieldManager: Invalid value: ${JSON.stringify(fieldManager)}: must only contain printable characters`,
      );
    }
  }
  const fieldValidation = query.get('fieldValidation');
  if (
    fieldValidation !== null &&
    fieldValidation !== '' &&
    !FIELD_VALIDATIONS.includes(fieldValidation)
  ) {
    throw badRequest(
      `fieldValidation: Unsupported value: "${fieldValidation}": supported values: "Ignore", "Strict", "Warn"`,
    );
  }
  const force = bool(query, 'force');
  return {
    ...(dryRun.length > 0 ? { dryRun: true } : {}),
    ...(fieldManager ? { fieldManager } : {}),
    // Unset means Warn, as upstream: unknown fields come back as warnings kubectl prints.
    fieldValidation: (fieldValidation || 'Warn') as FieldValidation,
    ...(force !== undefined ? { force } : {}),
  };
}

export function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  throw badRequest(
    `includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`,
  );
}
