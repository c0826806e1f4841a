/**
 * The Kubernetes CEL value types: url() with Go's request-URI rules, quantity() with exact
 * resource.Quantity arithmetic, and ip()/cidr() for addresses and prefixes. Each is an
 * opaque object type with the accessor and comparison functions Kubernetes declares.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { parseQuantity, Quantity, tryParseQuantity } from '../../quantity.ts';
import { isRequestURI, parseCIDR, parseIP } from '../formats.ts';
import { celEquals } from './values.ts';

export class CelQuantity {
  readonly value: Quantity;
  constructor(value: Quantity) {
    this.value = value;
  }
}

export class CelURL {
  readonly scheme: string;
  readonly host: string;
  readonly path: string;
  readonly query: string;
  constructor(scheme: string, host: string, path: string, query: string) {
    this.scheme = scheme;
    this.host = host;
    this.path = path;
    this.query = query;
  }
}

export class CelIP {
  readonly bytes: readonly number[];
  constructor(bytes: readonly number[]) {
    this.bytes = bytes;
  }
}

export class CelCIDR {
  readonly ip: CelIP;
  readonly bits: number;
  constructor(ip: CelIP, bits: number) {
    this.ip = ip;
    this.bits = bits;
  }
}

function parseURL(s: string): CelURL {
  if (!isRequestURI(s)) {
    throw new Error(
      `URL parse error during conversion from string: parse "${s}": invalid URI for request`,
    );
  }
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?/.exec(s);
  const [, scheme = '', authority = '', path = '', query = ''] = m ?? [];
  return new CelURL(scheme, authority.slice(authority.lastIndexOf('@') + 1), path, query);
}

function hostParts(host: string): { hostname: string; port: string } {
  const v6 = /^\[([^\]]*)\](?::(\d*))?$/.exec(host);
  if (v6) return { hostname: v6[1] as string, port: v6[2] ?? '' };
  const colon = host.lastIndexOf(':');
  return colon < 0
    ? { hostname: host, port: '' }
    : { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
}

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function registerURLs(env: Environment): void {
  env.registerType('kubernetes.URL', CelURL);
  env.registerFunction('url(string): kubernetes.URL', parseURL);
  env.registerFunction('isURL(string): bool', (s: string) => isRequestURI(s));
  env.registerFunction('kubernetes.URL.getScheme(): string', (u: CelURL) => u.scheme);
  env.registerFunction('kubernetes.URL.getHost(): string', (u: CelURL) => u.host);
  env.registerFunction(
    'kubernetes.URL.getHostname(): string',
    (u: CelURL) => hostParts(u.host).hostname,
  );
  env.registerFunction('kubernetes.URL.getPort(): string', (u: CelURL) => hostParts(u.host).port);
  env.registerFunction('kubernetes.URL.getEscapedPath(): string', (u: CelURL) => u.path);
  env.registerFunction('kubernetes.URL.getQuery(): map<string, list<string>>', (u: CelURL) => {
    const out = new Map<string, string[]>();
    for (const pair of u.query.split(/[&;]/)) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const k = decodeQueryPart(eq < 0 ? pair : pair.slice(0, eq));
      const v = eq < 0 ? '' : decodeQueryPart(pair.slice(eq + 1));
      out.set(k, [...(out.get(k) ?? []), v]);
    }
    return out;
  });
  env.registerOperator(
    'kubernetes.URL == kubernetes.URL',
    (a: CelURL, b: CelURL) =>
      a.scheme === b.scheme && a.host === b.host && a.path === b.path && a.query === b.query,
  );
}

function quantityOf(s: string): CelQuantity {
  return new CelQuantity(parseQuantity(s));
}

export function registerQuantity(env: Environment): void {
  const T = 'kubernetes.Quantity';
  env.registerType(T, CelQuantity);
  env.registerFunction(`quantity(string): ${T}`, quantityOf);
  env.registerFunction(
    'isQuantity(string): bool',
    (s: string) => tryParseQuantity(s) !== undefined,
  );
  env.registerFunction(
    `${T}.isInteger(): bool`,
    (q: CelQuantity) => q.value.asInt64() !== undefined,
  );
  env.registerFunction(`${T}.asInteger(): int`, (q: CelQuantity) => {
    const n = q.value.asInt64();
    if (n === undefined) throw new Error('cannot convert value to integer');
    return n;
  });
  env.registerFunction(`${T}.asApproximateFloat(): double`, (q: CelQuantity) =>
    q.value.asApproximateNumber(),
  );
  env.registerFunction(`${T}.sign(): int`, (q: CelQuantity) => BigInt(q.value.sign()));
  const plus = (a: Quantity, b: Quantity) => new CelQuantity(a.add(b));
  const int = (n: bigint) => Quantity.of(n, 0, 'DecimalExponent');
  env.registerFunction(`${T}.add(${T}): ${T}`, (a: CelQuantity, b: CelQuantity) =>
    plus(a.value, b.value),
  );
  env.registerFunction(`${T}.add(int): ${T}`, (a: CelQuantity, b: bigint) => plus(a.value, int(b)));
  env.registerFunction(`${T}.sub(${T}): ${T}`, (a: CelQuantity, b: CelQuantity) =>
    plus(a.value, b.value.neg()),
  );
  env.registerFunction(`${T}.sub(int): ${T}`, (a: CelQuantity, b: bigint) =>
    plus(a.value, int(-b)),
  );
  env.registerFunction(
    `${T}.isGreaterThan(${T}): bool`,
    (a: CelQuantity, b: CelQuantity) => a.value.cmp(b.value) > 0,
  );
  env.registerFunction(
    `${T}.isLessThan(${T}): bool`,
    (a: CelQuantity, b: CelQuantity) => a.value.cmp(b.value) < 0,
  );
  env.registerFunction(`${T}.compareTo(${T}): int`, (a: CelQuantity, b: CelQuantity) =>
    BigInt(a.value.cmp(b.value)),
  );
  env.registerOperator(`${T} == ${T}`, (a: CelQuantity, b: CelQuantity) => a.value.equals(b.value));
}

function ipOf(s: string): CelIP {
  const bytes = parseIP(s);
  if (bytes === undefined)
    throw new Error(
      `IP Address "${s}" parse error during conversion from string: ParseAddr("${s}"): unable to parse IP`,
    );
  return new CelIP(bytes);
}

function cidrOf(s: string): CelCIDR {
  const c = parseCIDR(s);
  if (c === undefined)
    throw new Error(
      `network address parse error during conversion from string: netip.ParsePrefix("${s}"): invalid prefix`,
    );
  return new CelCIDR(new CelIP(c.ip), c.bits);
}

function contains(c: CelCIDR, ip: CelIP): boolean {
  if (ip.bytes.length !== c.ip.bytes.length) return false;
  for (let bit = 0; bit < c.bits; bit++) {
    const mask = 0x80 >> (bit % 8);
    const byte = Math.floor(bit / 8);
    if (((ip.bytes[byte] as number) & mask) !== ((c.ip.bytes[byte] as number) & mask)) return false;
  }
  return true;
}

function masked(c: CelCIDR): CelCIDR {
  const bytes = c.ip.bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, c.bits - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  return new CelCIDR(new CelIP(bytes), c.bits);
}

function ipText(ip: CelIP): string {
  if (ip.bytes.length === 4) return ip.bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((ip.bytes[i] as number) << 8) | (ip.bytes[i + 1] as number)).toString(16));
  const text = groups.join(':');
  const runs = [...text.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort(
    (a, b) => b[0].length - a[0].length,
  );
  const best = runs[0];
  return best === undefined
    ? text
    : `${text.slice(0, best.index)}::${text.slice(best.index + best[0].length)}`;
}

export function registerNetwork(env: Environment): void {
  const IP = 'net.IP';
  const CIDR = 'net.CIDR';
  env.registerType(IP, CelIP);
  env.registerType(CIDR, CelCIDR);
  env.registerFunction(`ip(string): ${IP}`, ipOf);
  env.registerFunction('isIP(string): bool', (s: string) => parseIP(s) !== undefined);
  env.registerFunction(`${IP}.family(): int`, (ip: CelIP) => (ip.bytes.length === 4 ? 4n : 6n));
  env.registerFunction(`${IP}.isUnspecified(): bool`, (ip: CelIP) =>
    ip.bytes.every((b) => b === 0),
  );
  env.registerFunction(`${IP}.isLoopback(): bool`, (ip: CelIP) =>
    ip.bytes.length === 4
      ? ip.bytes[0] === 127
      : ip.bytes.every((b, i) => b === (i === 15 ? 1 : 0)),
  );
  env.registerFunction(`${IP}.isLinkLocalMulticast(): bool`, (ip: CelIP) =>
    ip.bytes.length === 4
      ? ip.bytes[0] === 224 && ip.bytes[1] === 0 && ip.bytes[2] === 0
      : ip.bytes[0] === 0xff && ((ip.bytes[1] as number) & 0x0f) === 0x02,
  );
  env.registerFunction(`${IP}.isLinkLocalUnicast(): bool`, (ip: CelIP) =>
    ip.bytes.length === 4
      ? ip.bytes[0] === 169 && ip.bytes[1] === 254
      : ip.bytes[0] === 0xfe && ((ip.bytes[1] as number) & 0xc0) === 0x80,
  );
  env.registerFunction(`${IP}.isGlobalUnicast(): bool`, (ip: CelIP) => {
    const b = ip.bytes;
    if (b.every((x) => x === 0)) return false;
    if (b.length === 4)
      return !(
        b[0] === 127 ||
        b[0] === 255 ||
        ((b[0] as number) >= 224 && (b[0] as number) <= 239) ||
        (b[0] === 169 && b[1] === 254)
      );
    return !(
      b[0] === 0xff ||
      (b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80) ||
      b.every((x, i) => x === (i === 15 ? 1 : 0))
    );
  });
  env.registerFunction(`string(${IP}): string`, ipText);
  env.registerFunction(`cidr(string): ${CIDR}`, cidrOf);
  env.registerFunction(`string(${CIDR}): string`, (c: CelCIDR) => `${ipText(c.ip)}/${c.bits}`);
  env.registerFunction('isCIDR(string): bool', (s: string) => parseCIDR(s) !== undefined);
  env.registerFunction(`${CIDR}.containsIP(${IP}): bool`, contains);
  env.registerFunction(`${CIDR}.containsIP(string): bool`, (c: CelCIDR, s: string) =>
    contains(c, ipOf(s)),
  );
  env.registerFunction(
    `${CIDR}.containsCIDR(${CIDR}): bool`,
    (c: CelCIDR, o: CelCIDR) => o.bits >= c.bits && contains(c, o.ip),
  );
  env.registerFunction(`${CIDR}.containsCIDR(string): bool`, (c: CelCIDR, s: string) => {
    const o = cidrOf(s);
    return o.bits >= c.bits && contains(c, o.ip);
  });
  env.registerFunction(`${CIDR}.ip(): ${IP}`, (c: CelCIDR) => c.ip);
  env.registerFunction(`${CIDR}.masked(): ${CIDR}`, masked);
  env.registerFunction(`${CIDR}.prefixLength(): int`, (c: CelCIDR) => BigInt(c.bits));
  env.registerOperator(`${IP} == ${IP}`, (a: CelIP, b: CelIP) => celEquals(a.bytes, b.bytes));
  env.registerOperator(
    `${CIDR} == ${CIDR}`,
    (a: CelCIDR, b: CelCIDR) => a.bits === b.bits && celEquals(a.ip.bytes, b.ip.bytes),
  );
}
