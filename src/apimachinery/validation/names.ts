/**
 * Name rules (k8s.io/apimachinery/pkg/util/validation): each returns the upstream error
 * details, empty when the value is valid, so callers wrap them in field errors. Label
 * selectors, object metadata and every strategy share these.
 */

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
export const DNS1123_LABEL_MAX = 63;

const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";

const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
export const DNS1123_SUBDOMAIN_MAX = 253;

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_MAX = 63;

const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MAX = 63;

const utf8 = new TextEncoder();

/** Upstream limits count bytes, not UTF-16 units. */
function byteLength(s: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return utf8.encode(s).length;
  }
  return s.length;
}

/** The shared shape of upstream's regex messages, double spaces before "or" included. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  const shown = examples.map((e) => `'${e}', `).join(' or ');
  return `${msg} (e.g. ${shown}regex used for validation is '${fmt}')`;
}

export function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

function check(
  value: string,
  max: number,
  re: RegExp,
  msg: string,
  fmt: string,
  ...examples: string[]
): string[] {
  const errs: string[] = [];
  if (byteLength(value) > max) errs.push(maxLenError(max));
  if (!re.test(value)) errs.push(regexError(msg, fmt, ...examples));
  return errs;
}

export function isDNS1123Label(value: string): string[] {
  return check(
    value,
    DNS1123_LABEL_MAX,
    DNS1123_LABEL_RE,
    DNS1123_LABEL_MSG,
    DNS1123_LABEL_FMT,
    'my-name',
    '123-abc',
  );
}

export function isDNS1123Subdomain(value: string): string[] {
  return check(
    value,
    DNS1123_SUBDOMAIN_MAX,
    DNS1123_SUBDOMAIN_RE,
    DNS1123_SUBDOMAIN_MSG,
    DNS1123_SUBDOMAIN_FMT,
    'example.com',
  );
}

export function isDNS1035Label(value: string): string[] {
  return check(
    value,
    DNS1123_LABEL_MAX,
    DNS1035_LABEL_RE,
    DNS1035_LABEL_MSG,
    DNS1035_LABEL_FMT,
    'my-name',
    'abc-123',
  );
}

/**
 * IsQualifiedName: an optional DNS-1123 subdomain prefix and `/`, then a name of at most
 * 63 characters.
 */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = value;
  } else if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const msg of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${msg}`);
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (byteLength(name) > QUALIFIED_NAME_MAX)
    errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX)}`);
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(
      `name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errs;
}

/** IsValidLabelValue: empty, or at most 63 characters of the qualified-name alphabet. */
export function isValidLabelValue(value: string): string[] {
  return check(
    value,
    LABEL_VALUE_MAX,
    LABEL_VALUE_RE,
    LABEL_VALUE_MSG,
    LABEL_VALUE_FMT,
    'MyValue',
    'my_value',
    '12345',
  );
}

/**
 * What would break a URL path segment (RBAC objects and some others forbid only this, and
 * no name on a URL may be it): `.`, `..`, `/` or `%`.
 */
export function isPathSegmentName(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`];
  return isPathSegmentPrefix(value);
}

/** A generateName prefix: a name without the whole-name rules (`.` and `..`). */
export function isPathSegmentPrefix(value: string): string[] {
  return ['/', '%'].filter((bad) => value.includes(bad)).map((bad) => `may not contain '${bad}'`);
}

/** The rules resource names follow (Services' names must also be DNS-1035 labels). */
export type NameRule = 'DNS1123Subdomain' | 'DNS1123Label' | 'DNS1035Label' | 'PathSegmentName';

/** The name validator of a resource, by the name of its rule. */
export function nameValidator(rule: NameRule = 'DNS1123Subdomain'): (value: string) => string[] {
  switch (rule) {
    case 'DNS1123Label':
      return isDNS1123Label;
    case 'DNS1035Label':
      return isDNS1035Label;
    case 'PathSegmentName':
      return isPathSegmentName;
    default:
      return isDNS1123Subdomain;
  }
}
