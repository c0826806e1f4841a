/**
 * String formats CRD schemas may declare and what each accepts, following the kube-openapi
 * format registry. Unsupported formats are ignored exactly like upstream strips them before
 * validating: only the listed string formats, `int32`/`int64` on integers and
 * `float`/`double` on numbers survive.
 */
import { parseGoDuration } from '../duration.ts';
import { tryParseQuantity } from '../quantity.ts';

type Check = (s: string) => boolean;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID3 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID4 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const UUID5 = /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i;
const HOSTNAME =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$/u;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isHostname(s: string): boolean {
  if (!HOSTNAME.test(s) || new TextEncoder().encode(s).length > 255) return false;
  return s.split('.').every((p) => new TextEncoder().encode(p).length <= 63);
}

function isEmail(s: string): boolean {
  const m = /^(?:[^<>]*<([^<>]+)>|([^<>]+))$/.exec(s.trim());
  const addr = m?.[1] ?? m?.[2];
  return addr !== undefined && /^[^\s@"(),:;<>[\\\]]+@[^\s@"(),:;<>[\\\]]+$/.test(addr);
}

/** Dotted-quad IPv4 as Go parses it: four decimal octets, no leading zeros. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

/** IPv6 (optionally with a trailing dotted quad) as 16 bytes, or undefined. */
export function parseIPv6(s: string): number[] | undefined {
  if (!s.includes(':')) return undefined;
  let tail: number[] = [];
  let text = s;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    text = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] as string);
  const rest = halves.length === 2 ? groups(halves[1] as string) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...Array(8 - total).fill('0'), ...rest];
  const bytes: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = Number.parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

export function parseIP(s: string): number[] | undefined {
  return parseIPv4(s) ?? parseIPv6(s);
}

export function parseCIDR(s: string): { ip: number[]; bits: number } | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIP(s.slice(0, slash));
  const mask = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(mask)) return undefined;
  const bits = Number(mask);
  return bits <= ip.length * 8 ? { ip, bits } : undefined;
}

function isMAC(s: string): boolean {
  const sep = s[2] === ':' || s[2] === '-' ? s[2] : s[4] === '.' ? '.' : undefined;
  if (sep === undefined) return false;
  const parts = s.split(sep);
  if (sep === '.')
    return [3, 4, 10].includes(parts.length) && parts.every((p) => /^[0-9a-fA-F]{4}$/.test(p));
  return [6, 8, 20].includes(parts.length) && parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p));
}

/** Standard, padded base64 (Go's base64.StdEncoding), as `[]byte` fields carry in JSON. */
export function isBase64(s: string): boolean {
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDate(y: string, mo: string, d: string): boolean {
  const month = Number(mo);
  const day = Number(d);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(Number(y), month);
}

export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m !== null && validDate(m[1] as string, m[2] as string, m[3] as string);
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;

export function isDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m || !validDate(m[1] as string, m[2] as string, m[3] as string)) return false;
  return Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
}

const LONG_DURATION_UNITS: Record<string, number> = {};
for (const [names, ms] of [
  [['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'], 1e-6],
  [['us', 'µs', 'micro', 'micros', 'microsecond', 'microseconds'], 1e-3],
  [['ms', 'milli', 'millis', 'millisecond', 'milliseconds'], 1],
  [['s', 'sec', 'secs', 'second', 'seconds'], 1e3],
  [['m', 'min', 'mins', 'minute', 'minutes'], 6e4],
  [['h', 'hr', 'hrs', 'hour', 'hours'], 3.6e6],
  [['d', 'day', 'days'], 8.64e7],
  [['w', 'wk', 'wks', 'week', 'weeks'], 6.048e8],
] as const) {
  for (const n of names) LONG_DURATION_UNITS[n] = ms;
}

/** strfmt's duration: a Go duration, or `<n> <unit>` groups like `3 days 4h`, in milliseconds. */
export function parseFormatDuration(s: string): number | undefined {
  const go = parseGoDuration(s);
  if (go !== undefined) return go;
  let total = 0;
  let found = false;
  for (const m of s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)) {
    const unit = LONG_DURATION_UNITS[(m[2] as string).toLowerCase()];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    found = true;
  }
  return found ? total : undefined;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function isCreditCard(s: string): boolean {
  const digits = s.replace(/[^0-9]/g, '');
  return (
    /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/.test(
      digits,
    ) && luhn(digits)
  );
}

function isISBN10(s: string): boolean {
  const v = s.replace(/[\s-]/g, '');
  if (!/^\d{9}[\dX]$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i + 1) * Number(v[i]);
  sum += v[9] === 'X' ? 100 : 10 * Number(v[9]);
  return sum % 11 === 0;
}

function isISBN13(s: string): boolean {
  const v = s.replace(/[\s-]/g, '');
  if (!/^\d{13}$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(v[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10 === Number(v[12]);
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Go net/url.ParseRequestURI: an absolute URI or an absolute path, no control characters. */
export function isRequestURI(s: string): boolean {
  if (s === '' || hasControlCharacter(s)) return false;
  if (s === '*') return true;
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(s);
  if (!scheme) return s.startsWith('/');
  const rest = (scheme[2] as string).replace(/\?.*$/s, '');
  // `scheme:opaque` and `scheme:/path` need no authority.
  if (!rest.startsWith('//')) return true;
  const authority = rest.slice(2).split('/')[0] as string;
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host.startsWith('[')) return /^\[[0-9a-fA-F:.%a-zA-Z]+\](:\d*)?$/.test(host);
  return /^[^\s:/?#[\]@]*(:\d*)?$/.test(host);
}

const CHECKS: Record<string, Check> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isRequestURI,
  email: isEmail,
  hostname: isHostname,
  ipv4: (s) => parseIP(s) !== undefined && s.includes('.'),
  ipv6: (s) => parseIP(s) !== undefined && s.includes(':'),
  cidr: (s) => parseCIDR(s) !== undefined,
  mac: isMAC,
  uuid: (s) => UUID.test(s),
  uuid3: (s) => UUID3.test(s),
  uuid4: (s) => UUID4.test(s),
  uuid5: (s) => UUID5.test(s),
  isbn: (s) => isISBN10(s) || isISBN13(s),
  isbn10: isISBN10,
  isbn13: isISBN13,
  creditcard: isCreditCard,
  ssn: (s) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: (s) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  rgbcolor: (s) =>
    /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/.test(
      s,
    ),
  byte: isBase64,
  password: () => true,
  date: isDate,
  duration: (s) => parseFormatDuration(s) !== undefined,
  datetime: isDateTime,
  quantity: (s) => tryParseQuantity(s) !== undefined,
  k8sshortname: (s) => s.length <= 63 && DNS_LABEL.test(s),
  k8slongname: (s) =>
    s.length <= 253 && s.split('.').every((part) => part.length > 0 && DNS_LABEL.test(part)),
};

/**
 * The format that survives upstream's stripping for a schema node of the given type, or ''
 * when the format is ignored.
 */
export function effectiveFormat(format: string | undefined, type: string | undefined): string {
  if (!format) return '';
  switch (type ?? '') {
    case '':
    case 'string':
      return Object.hasOwn(CHECKS, format.replaceAll('-', '')) ? format : '';
    case 'integer':
      return format === 'int32' || format === 'int64' ? format : '';
    case 'number':
      return format === 'float' || format === 'double' ? format : '';
    default:
      return '';
  }
}

/** The checker for a string format that survived stripping; undefined for numeric formats. */
export function stringFormatCheck(format: string): Check | undefined {
  const key = format.replaceAll('-', '');
  return Object.hasOwn(CHECKS, key) ? CHECKS[key] : undefined;
}
