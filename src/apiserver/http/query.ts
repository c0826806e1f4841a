/**
 * The query parameters of the Kubernetes API, decoded in one place the way upstream decodes
 * them into its option types (ListOptions, CreateOptions, UpdateOptions, PatchOptions,
 * DeleteOptions, TableOptions) and then validates them:
 * - conversion (k8s.io/apimachinery's string conversions): a boolean is true for every value
 *   but `0` and `false` in any case, the empty value included; an integer is Go's int64, as
 *   `strconv.ParseInt` reads it. A value that does not convert, or a selector that does not
 *   parse, is a 400 BadRequest;
 * - validation: a converted value the option type does not allow is a 422 Invalid naming the
 *   type: `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: …`.
 * Only the first value of a repeated parameter counts, except `dryRun`, which is a list.
 */

import {
  type ErrorList,
  forbidden,
  invalid as invalidField,
  notSupported,
  required,
  tooLong,
} from '../../apimachinery/field-errors.ts';
import { parseFieldSelector } from '../../apimachinery/fields.ts';
import { parseLabelSelector } from '../../apimachinery/labels.ts';
import { badRequest, invalid } from '../../apimachinery/status.ts';
import type { IncludeObject } from '../../apimachinery/table.ts';
import type { DeleteOptions, ListOptions } from '../rest/resource-storage.ts';
import type { FieldValidation, WriteOptions } from '../rest/scope.ts';
import type { WatchOptions } from '../rest/watch.ts';

// ---- conversions --------------------------------------------------------------------------

/**
 * A boolean parameter: undefined when absent; false for `0` and for `false` in any case
 * (Go's EqualFold, under which `ſ` is an `s`); true for anything else, the empty value too.
 */
export function boolParam(query: URLSearchParams, name: string): boolean | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  return !(v === '0' || /^fal[sſ]e$/i.test(v));
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** An int64 parameter as `strconv.ParseInt(v, 10, 64)` reads it; undefined when absent. */
export function int64Param(query: URLSearchParams, name: string): bigint | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) {
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  const n = BigInt(v);
  if (n > INT64_MAX || n < INT64_MIN) {
    throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  }
  return n;
}

/** An int64 as a number; beyond what a number holds exactly, the nearest that it does. */
function toNumber(n: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(n > max ? max : n < -max ? -max : n);
}

/** `?watch=`: what turns a GET of a collection into a watch. */
export function isWatch(query: URLSearchParams): boolean {
  return boolParam(query, 'watch') === true;
}

/**
 * `?pretty=` as Go's strconv.ParseBool reads it (anything else is false), or, without it, a
 * client that is a browser or a command-line HTTP tool: indented JSON, as upstream answers.
 */
export function isPretty(query: URLSearchParams, userAgent: string | undefined): boolean {
  const v = query.get('pretty');
  if (v) return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
  return /^(curl|Wget|Mozilla\/5\.0)/.test(userAgent ?? '');
}

// ---- ListOptions --------------------------------------------------------------------------

export interface ListQuery extends ListOptions, WatchOptions {
  readonly timeoutSeconds?: number;
}

const listOptionsInvalid = (errs: ErrorList) =>
  invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errs);

/**
 * ListOptions of a list, a watch or a deletecollection: the selectors parsed, `limit` and
 * `timeoutSeconds` as int64, the booleans converted, then the combinations upstream's
 * ValidateListOptions refuses (a watch has its own rules).
 */
export function listOptions(query: URLSearchParams, watch: boolean): ListQuery {
  const labelSelector = query.get('labelSelector');
  const fieldSelector = query.get('fieldSelector');
  const limit = int64Param(query, 'limit');
  const timeoutSeconds = int64Param(query, 'timeoutSeconds');
  const bookmarks = boolParam(query, 'allowWatchBookmarks');
  const initial = boolParam(query, 'sendInitialEvents');
  const labels = labelSelector
    ? parseLabelSelector(boundedSelector('labelSelector', labelSelector))
    : undefined;
  const fields = fieldSelector
    ? parseFieldSelector(boundedSelector('fieldSelector', fieldSelector))
    : undefined;
  const rv = query.get('resourceVersion') ?? '';
  const match = query.get('resourceVersionMatch') ?? '';
  const cont = query.get('continue') ?? '';
  const errs = watch
    ? watchOptionErrors(match, initial, cont)
    : listOptionErrors(match, initial, rv, cont);
  if (errs.length > 0) throw listOptionsInvalid(errs);
  return {
    ...(labels ? { labels } : {}),
    ...(fields ? { fields } : {}),
    // Zero or less means no limit, as upstream.
    ...(limit !== undefined && limit > 0n ? { limit: toNumber(limit) } : {}),
    ...(cont ? { continue: cont } : {}),
    ...(rv ? { resourceVersion: rv } : {}),
    ...(match ? { resourceVersionMatch: match as 'Exact' | 'NotOlderThan' } : {}),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds: toNumber(timeoutSeconds) } : {}),
    ...(bookmarks !== undefined ? { allowWatchBookmarks: bookmarks } : {}),
    ...(initial !== undefined ? { sendInitialEvents: initial } : {}),
  };
}

function listOptionErrors(
  match: string,
  initial: boolean | undefined,
  rv: string,
  cont: string,
): ErrorList {
  const errs: ErrorList = [];
  if (match) {
    if (!rv) {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden unless resourceVersion is provided',
        ),
      );
    }
    if (cont) {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden when continue is provided',
        ),
      );
    }
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errs.push(notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    }
    if (match === 'Exact' && rv === '0') {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        ),
      );
    }
  }
  if (initial !== undefined) {
    errs.push(forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  return errs;
}

function watchOptionErrors(match: string, initial: boolean | undefined, cont: string): ErrorList {
  const errs: ErrorList = [];
  if (initial !== undefined && match !== 'NotOlderThan') {
    errs.push(
      forbidden(
        'resourceVersionMatch',
        'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      ),
    );
  }
  if (match) {
    if (initial === undefined) {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        ),
      );
    }
    if (match !== 'NotOlderThan') {
      errs.push(notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    }
    if (cont) {
      errs.push(
        forbidden(
          'resourceVersionMatch',
          'resourceVersionMatch is forbidden when continue is provided',
        ),
      );
    }
  }
  return errs;
}

/**
 * Terms (requirements and values) a selector may hold. Selectors are parsed on the event
 * loop at a few microseconds a term: a 1 MiB one would hold every other request for
 * seconds. No client writes a selector of even a thousand terms.
 */
export const MAX_SELECTOR_TERMS = 10_000;

/** A selector with at most MAX_SELECTOR_TERMS terms (counted by their commas, in one pass). */
export function boundedSelector(name: string, text: string): string {
  let commas = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 44) commas++;
  if (commas >= MAX_SELECTOR_TERMS) {
    throw badRequest(
      `${name}: the selector has more than ${MAX_SELECTOR_TERMS} terms; select with fewer, or filter on the client`,
    );
  }
  return text;
}

/**
 * A watch of one object (`…/configmaps/x?watch=…` under `/watch/`) selects that object by
 * name, as upstream does; a field selector may only name the same object.
 */
export function selectingName(options: ListQuery, name: string): ListQuery {
  if (options.fields && !options.fields.empty) {
    if (options.fields.requiresExactMatch('metadata.name') !== name) {
      throw badRequest("fieldSelector metadata.name doesn't match requested name");
    }
    return options;
  }
  return { ...options, fields: parseFieldSelector(`metadata.name=${name}`) };
}

// ---- CreateOptions, UpdateOptions, PatchOptions -------------------------------------------

const FIELD_VALIDATIONS = ['', 'Ignore', 'Strict', 'Warn'];
const FIELD_MANAGER_MAX = 128;

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function dryRunErrors(dryRun: readonly string[]): ErrorList {
  return dryRun.every((d) => d === 'All') ? [] : [notSupported('dryRun', dryRun, ['All'])];
}

function fieldManagerErrors(fieldManager: string): ErrorList {
  const errs: ErrorList = [];
  if (Buffer.byteLength(fieldManager) > FIELD_MANAGER_MAX) {
    errs.push(tooLong('fieldManager', '', FIELD_MANAGER_MAX));
  }
  let at = 0;
  for (const c of fieldManager) {
    if (!PRINTABLE.test(c)) {
      const code = `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      errs.push(
        invalidField('fieldManager', fieldManager, `invalid character ${code} (at position ${at})`),
      );
    }
    at += Buffer.byteLength(c);
  }
  return errs;
}

function writeOptionErrors(dryRun: readonly string[], fieldManager: string, validation: string) {
  return [
    ...fieldManagerErrors(fieldManager),
    ...dryRunErrors(dryRun),
    ...(FIELD_VALIDATIONS.includes(validation)
      ? []
      : [notSupported('fieldValidation', validation, FIELD_VALIDATIONS)]),
  ];
}

export type WriteVerb = 'create' | 'update' | 'patch';
const OPTION_KINDS: Record<WriteVerb, string> = {
  create: 'CreateOptions',
  update: 'UpdateOptions',
  patch: 'PatchOptions',
};

export interface WriteQuery extends WriteOptions {
  readonly force?: boolean;
}

/**
 * CreateOptions, UpdateOptions or PatchOptions. A patch's options depend on its type:
 * server-side apply needs a field manager, and only apply may say `force`.
 */
export function writeOptions(query: URLSearchParams, verb: WriteVerb, apply = false): WriteQuery {
  const dryRun = query.getAll('dryRun');
  const fieldManager = query.get('fieldManager') ?? '';
  const fieldValidation = query.get('fieldValidation') ?? '';
  const force = verb === 'patch' ? boolParam(query, 'force') : undefined;
  const errs: ErrorList = [];
  if (verb === 'patch' && apply && fieldManager === '') {
    errs.push(required('fieldManager', 'is required for apply patch'));
  }
  if (verb === 'patch' && !apply && force !== undefined) {
    errs.push(forbidden('force', 'may not be specified for non-apply patch'));
  }
  errs.push(...writeOptionErrors(dryRun, fieldManager, fieldValidation));
  if (errs.length > 0) {
    throw invalid({ group: 'meta.k8s.io', kind: OPTION_KINDS[verb] }, '', errs);
  }
  return {
    ...(dryRun.length > 0 ? { dryRun: true } : {}),
    ...(fieldManager ? { fieldManager } : {}),
    // Unset means Warn, as upstream: unknown fields come back as warnings kubectl prints.
    fieldValidation: (fieldValidation || 'Warn') as FieldValidation,
    ...(force !== undefined ? { force } : {}),
  };
}

// ---- DeleteOptions ------------------------------------------------------------------------

/** DeleteOptions as a client sends them, in the query or a body, before validation. */
export interface RawDeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly orphanDependents?: boolean;
  readonly propagationPolicy?: string;
  readonly preconditions?: { uid?: string; resourceVersion?: string };
  readonly dryRun?: readonly string[];
}

/** DeleteOptions given in the query (used when the request has no body). */
export function deleteOptionsFromQuery(query: URLSearchParams): RawDeleteOptions {
  const grace = int64Param(query, 'gracePeriodSeconds');
  const orphan = boolParam(query, 'orphanDependents');
  const policy = query.get('propagationPolicy');
  const dryRun = query.getAll('dryRun');
  return {
    ...(grace !== undefined ? { gracePeriodSeconds: toNumber(grace) } : {}),
    ...(orphan !== undefined ? { orphanDependents: orphan } : {}),
    ...(policy !== null ? { propagationPolicy: policy } : {}),
    ...(dryRun.length > 0 ? { dryRun } : {}),
  };
}

const POLICIES = ['Foreground', 'Background', 'Orphan'];

/**
 * Upstream's ValidateDeleteOptions, then the options the registry acts on: the deprecated
 * `orphanDependents` becomes the propagation policy it stands for.
 */
export function validDeleteOptions(raw: RawDeleteOptions): DeleteOptions {
  const errs: ErrorList = [];
  const policy = raw.propagationPolicy;
  if (raw.orphanDependents !== undefined && policy !== undefined) {
    errs.push(
      invalidField(
        'propagationPolicy',
        policy,
        'orphanDependents and deletionPropagation cannot be both set',
      ),
    );
  }
  if (policy !== undefined && !POLICIES.includes(policy)) {
    errs.push(notSupported('propagationPolicy', policy, [...POLICIES, 'nil']));
  }
  errs.push(...dryRunErrors(raw.dryRun ?? []));
  if (errs.length > 0) throw invalid({ group: 'meta.k8s.io', kind: 'DeleteOptions' }, '', errs);
  const effective =
    (policy as DeleteOptions['propagationPolicy']) ??
    (raw.orphanDependents === undefined
      ? undefined
      : raw.orphanDependents
        ? 'Orphan'
        : 'Background');
  return {
    ...(effective ? { propagationPolicy: effective } : {}),
    ...(raw.preconditions ? { preconditions: raw.preconditions } : {}),
    ...(raw.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: raw.gracePeriodSeconds } : {}),
    ...(raw.dryRun && raw.dryRun.length > 0 ? { dryRun: true } : {}),
  };
}

// ---- TableOptions -------------------------------------------------------------------------

export function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  throw badRequest(
    `Unable to convert to Table as requested: includeObject: Unsupported value: "${v}": supported values: "Metadata", "None", "Object"`,
  );
}
