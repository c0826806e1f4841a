/**
 * Reading, checking and compiling the JWT authenticators of the API server, with
 * kube-apiserver's meaning: from the `--authentication-config` file (AuthenticationConfiguration,
 * decoded strictly: an unknown field is an error) or from the `--oidc-*` flags, which describe
 * one authenticator (the two are mutually exclusive). Validation gives upstream's field errors
 * (`jwt[0].issuer.url: Invalid value: …: URL scheme must be https`); compiling turns each
 * authenticator into a `JwtAuthenticatorSpec` with its CEL expressions compiled.
 *
 * Canopy adds to upstream's checks: extra keys under `kcp.io` (scopes, warrants, a token's
 * cluster) are reserved like `kubernetes.io`, since an identity provider must not be able
 * to scope or widen a user's authority through them.
 */
import { parse as parseYaml } from 'yaml';
import {
  APISERVER_CONFIG_GROUP,
  AUTHENTICATION_CONFIGURATION_KIND,
  AUTHENTICATION_CONFIGURATION_VERSIONS,
  type AuthenticationConfiguration,
  type JWTAuthenticator,
  type PrefixedClaimOrExpression,
} from '../../../api/apiserver/types.ts';
import {
  duplicate,
  type FieldError,
  FieldPath,
  fieldErrorMessage,
  invalid,
  required,
  tooMany,
} from '../../../apimachinery/field-errors.ts';
import { isJsonObject, type JsonValue } from '../../../apimachinery/meta.ts';
import {
  compileStandalone,
  type StandaloneExpression,
} from '../../../apimachinery/schema/cel/standalone.ts';
import { isDNS1123Subdomain, regexError } from '../../../apimachinery/validation/names.ts';

/** go-oidc's algorithms kube-apiserver allows (`--oidc-signing-algs`). */
export const VALID_SIGNING_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
] as const;

/** The default of `--oidc-signing-algs`: what OpenID Connect requires every provider to offer. */
export const DEFAULT_SIGNING_ALGORITHMS = ['RS256'];

const MAX_AUTHENTICATORS = 64;
const WELL_KNOWN = '/.well-known/openid-configuration';

/** A claim (with a prefix) or a CEL expression over `claims`. */
export type ClaimMapping =
  | { readonly claim: string; readonly prefix: string }
  | { readonly expression: StandaloneExpression };

export interface ExpressionRule {
  readonly expression: StandaloneExpression;
  /** What the refusal says when the rule is false (default: `expression 'x' failed`). */
  readonly message: string;
}

/** One issuer, ready to verify tokens. */
export interface JwtAuthenticatorSpec {
  readonly issuerUrl: string;
  readonly discoveryUrl: string;
  /** PEM CA certificates for discovery and JWKS (the system's when absent). */
  readonly ca?: string;
  readonly audiences: readonly string[];
  readonly signingAlgorithms: readonly string[];
  readonly username: ClaimMapping;
  readonly groups?: ClaimMapping;
  readonly uid?: ClaimMapping;
  readonly extra: ReadonlyArray<{
    readonly key: string;
    readonly expression: StandaloneExpression;
  }>;
  readonly requiredClaims: ReadonlyArray<{ readonly claim: string; readonly value: string }>;
  readonly claimRules: readonly ExpressionRule[];
  readonly userRules: readonly ExpressionRule[];
}

/** The `--oidc-*` flags of kube-apiserver, as given. */
export interface OidcFlags {
  readonly issuerUrl?: string;
  readonly clientId?: string;
  readonly usernameClaim?: string;
  readonly usernamePrefix?: string;
  readonly groupsClaim?: string;
  readonly groupsPrefix?: string;
  /** `key=value` pairs (the flag repeats, or takes a comma-separated list). */
  readonly requiredClaims?: readonly string[];
  /** Contents of `--oidc-ca-file`. */
  readonly ca?: string;
  readonly signingAlgorithms?: readonly string[];
}

// ---- the file ---------------------------------------------------------------------------

type Shape = 'string' | 'strings' | { readonly [field: string]: Shape } | readonly [Shape];

const PREFIXED: Shape = { claim: 'string', prefix: 'string', expression: 'string' };
const RULE: Shape = { expression: 'string', message: 'string' };
const JWT_SHAPE: Shape = {
  issuer: {
    url: 'string',
    discoveryURL: 'string',
    certificateAuthority: 'string',
    audiences: 'strings',
    audienceMatchPolicy: 'string',
  },
  claimValidationRules: [
    { claim: 'string', requiredValue: 'string', expression: 'string', message: 'string' },
  ],
  claimMappings: {
    username: PREFIXED,
    groups: PREFIXED,
    uid: { claim: 'string', expression: 'string' },
    extra: [{ key: 'string', valueExpression: 'string' }],
  },
  userValidationRules: [RULE],
};

/** Problems decoding `value` as `shape`, strictly (unknown fields are errors). */
function decodeProblems(value: JsonValue, shape: Shape, path: string, out: string[]): void {
  if (value === null) return;
  if (shape === 'string') {
    if (typeof value !== 'string') out.push(`${path}: must be a string`);
    return;
  }
  if (shape === 'strings') {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
      out.push(`${path}: must be a list of strings`);
    }
    return;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) {
      out.push(`${path}: must be a list`);
      return;
    }
    value.forEach((item, i) => {
      decodeProblems(item, shape[0] as Shape, `${path}[${i}]`, out);
    });
    return;
  }
  if (!isJsonObject(value)) {
    out.push(`${path}: must be an object`);
    return;
  }
  const fields = shape as { readonly [field: string]: Shape };
  for (const [key, v] of Object.entries(value)) {
    const child = path ? `${path}.${key}` : key;
    const s = fields[key];
    if (s === undefined) out.push(`unknown field "${child}"`);
    else if (v !== undefined) decodeProblems(v, s, child, out);
  }
}

/**
 * Parses an `--authentication-config` file (YAML or JSON). Throws saying what is wrong: not
 * an AuthenticationConfiguration of apiserver.config.k8s.io, or fields it does not have.
 */
export function parseAuthenticationConfiguration(text: string): AuthenticationConfiguration {
  if (text.trim() === '') throw new Error('empty config data');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`not YAML or JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(raw)) throw new Error('expected an AuthenticationConfiguration object');
  const versions = AUTHENTICATION_CONFIGURATION_VERSIONS.map(
    (v) => `${APISERVER_CONFIG_GROUP}/${v}`,
  );
  if (
    raw.kind !== AUTHENTICATION_CONFIGURATION_KIND ||
    !versions.includes(String(raw.apiVersion))
  ) {
    throw new Error(
      `expected kind ${AUTHENTICATION_CONFIGURATION_KIND} of apiVersion ${versions.join(', ')}, got kind ${JSON.stringify(raw.kind ?? '')} of apiVersion ${JSON.stringify(raw.apiVersion ?? '')}`,
    );
  }
  const problems: string[] = [];
  decodeProblems(raw, { apiVersion: 'string', kind: 'string', jwt: [JWT_SHAPE] }, '', problems);
  if (problems.length > 0) throw new Error(`strict decoding error: ${problems.join(', ')}`);
  return raw as AuthenticationConfiguration;
}

// ---- the flags --------------------------------------------------------------------------

/**
 * The JWT authenticators of the API server and the algorithms their tokens may be signed
 * with: every valid one for a configuration file (as kube-apiserver), `--oidc-signing-algs`
 * (default RS256) for the flags.
 */
export interface JwtAuthentication {
  readonly authenticators: readonly JWTAuthenticator[];
  readonly signingAlgorithms: readonly string[];
}

/** What an `--authentication-config` file configures. */
export function fileAuthentication(config: AuthenticationConfiguration): JwtAuthentication {
  return { authenticators: config.jwt ?? [], signingAlgorithms: VALID_SIGNING_ALGORITHMS };
}

/**
 * The one authenticator the `--oidc-*` flags describe, as kube-apiserver builds it: username
 * claim `sub` by default; with no `--oidc-username-prefix`, names from claims other than
 * `email` are prefixed with `<issuer>#`, and `-` means no prefix. Undefined without flags;
 * throws when they are incomplete or name an unknown algorithm.
 */
export function oidcFlagsAuthentication(flags: OidcFlags): JwtAuthentication | undefined {
  const given = Object.values(flags).some((v) => v !== undefined);
  if (!given) return undefined;
  if (!flags.issuerUrl || !flags.clientId) {
    throw new Error(
      'oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set',
    );
  }
  const signingAlgorithms = flags.signingAlgorithms?.length
    ? flags.signingAlgorithms
    : DEFAULT_SIGNING_ALGORITHMS;
  for (const alg of signingAlgorithms) {
    if (!(VALID_SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
      throw new Error(`oidc: unsupported signing alg: "${alg}"`);
    }
  }
  const usernameClaim = flags.usernameClaim || 'sub';
  let usernamePrefix = flags.usernamePrefix ?? '';
  if (usernamePrefix === '' && usernameClaim !== 'email') usernamePrefix = `${flags.issuerUrl}#`;
  if (usernamePrefix === '-') usernamePrefix = '';
  const requiredClaims = (flags.requiredClaims ?? []).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new Error(`--oidc-required-claim wants key=value, not ${JSON.stringify(pair)}`);
    return { claim: pair.slice(0, eq), requiredValue: pair.slice(eq + 1) };
  });
  const authenticator: JWTAuthenticator = {
    issuer: {
      url: flags.issuerUrl,
      audiences: [flags.clientId],
      ...(flags.ca ? { certificateAuthority: flags.ca } : {}),
    },
    claimMappings: {
      username: { claim: usernameClaim, prefix: usernamePrefix },
      ...(flags.groupsClaim
        ? { groups: { claim: flags.groupsClaim, prefix: flags.groupsPrefix ?? '' } }
        : {}),
    },
    ...(requiredClaims.length > 0 ? { claimValidationRules: requiredClaims } : {}),
  };
  return { authenticators: [authenticator], signingAlgorithms };
}

// ---- validation and compilation ---------------------------------------------------------

export interface CompileOptions {
  /** Issuers no authenticator may claim (the service-account issuer). */
  readonly disallowedIssuers?: readonly string[];
}

const CLAIMS = { claims: 'map<string, dyn>' };
const USER = { user: 'map<string, dyn>' };

/**
 * Validates the authenticators and compiles their expressions; throws
 * `invalid authentication configuration: [<field errors>]` listing every problem.
 */
export function compileAuthenticators(
  { authenticators, signingAlgorithms }: JwtAuthentication,
  options: CompileOptions = {},
): JwtAuthenticatorSpec[] {
  const errors: FieldError[] = [];
  const root = FieldPath.root('jwt');
  const specs: JwtAuthenticatorSpec[] = [];
  if (authenticators.length > MAX_AUTHENTICATORS) {
    errors.push(tooMany(root, authenticators.length, MAX_AUTHENTICATORS));
  } else {
    const issuers = new Set<string>();
    const discoveryUrls = new Set<string>();
    authenticators.forEach((a, i) => {
      const path = root.index(i);
      const spec = compileOne(a, path, signingAlgorithms, options, errors);
      const url = a.issuer?.url ?? '';
      if (issuers.has(url)) errors.push(duplicate(path.child('issuer', 'url'), url));
      issuers.add(url);
      const discovery = a.issuer?.discoveryURL ?? '';
      if (discovery) {
        if (discoveryUrls.has(discovery)) {
          errors.push(duplicate(path.child('issuer', 'discoveryURL'), discovery));
        }
        discoveryUrls.add(discovery);
      }
      if (spec) specs.push(spec);
    });
  }
  if (errors.length > 0) {
    const messages = errors.map(fieldErrorMessage);
    throw new Error(
      `invalid authentication configuration: ${messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`}`,
    );
  }
  return specs;
}

function compileOne(
  a: JWTAuthenticator,
  path: FieldPath,
  signingAlgorithms: readonly string[],
  options: CompileOptions,
  errors: FieldError[],
): JwtAuthenticatorSpec | undefined {
  const before = errors.length;
  const issuer = a.issuer ?? { url: '', audiences: [] };
  const issuerPath = path.child('issuer');
  checkUrl(issuer.url ?? '', issuerPath.child('url'), options.disallowedIssuers ?? [], errors);
  if (issuer.discoveryURL) {
    if (issuer.url && issuer.url.replace(/\/+$/, '') === issuer.discoveryURL.replace(/\/+$/, '')) {
      errors.push(
        invalid(
          issuerPath.child('discoveryURL'),
          issuer.discoveryURL,
          'discoveryURL must be different from URL',
        ),
      );
    }
    checkUrl(issuer.discoveryURL, issuerPath.child('discoveryURL'), [], errors);
  }
  checkAudiences(issuer.audiences ?? [], issuer.audienceMatchPolicy ?? '', issuerPath, errors);
  if (
    issuer.certificateAuthority &&
    !/-----BEGIN CERTIFICATE-----/.test(issuer.certificateAuthority)
  ) {
    errors.push(
      invalid(
        issuerPath.child('certificateAuthority'),
        '<omitted>',
        'data does not contain any valid RSA or ECDSA certificates',
      ),
    );
  }

  const uses = { email: false, emailVerified: false };
  const noteEmail = (e: StandaloneExpression) => {
    uses.emailVerified ||= /\bclaims\s*\.\s*\??\s*email_verified\b/.test(e.text);
  };

  // claimValidationRules
  const requiredClaims: Array<{ claim: string; value: string }> = [];
  const claimRules: ExpressionRule[] = [];
  const seenClaims = new Set<string>();
  const seenRules = new Set<string>();
  (a.claimValidationRules ?? []).forEach((rule, i) => {
    const p = path.child('claimValidationRules').index(i);
    if (rule.claim && rule.expression) {
      errors.push(invalid(p, rule.claim, "claim and expression can't both be set"));
    } else if (!rule.claim && !rule.expression) {
      errors.push(required(p, 'claim or expression is required'));
    } else if (rule.claim) {
      if (rule.message) {
        errors.push(
          invalid(p.child('message'), rule.message, 'may not be specified when claim is set'),
        );
      }
      if (seenClaims.has(rule.claim)) errors.push(duplicate(p.child('claim'), rule.claim));
      seenClaims.add(rule.claim);
      requiredClaims.push({ claim: rule.claim, value: rule.requiredValue ?? '' });
    } else if (rule.expression) {
      if (rule.requiredValue) {
        errors.push(
          invalid(
            p.child('requiredValue'),
            rule.requiredValue,
            'may not be specified when expression is set',
          ),
        );
      }
      if (seenRules.has(rule.expression)) {
        errors.push(duplicate(p.child('expression'), rule.expression));
        return;
      }
      seenRules.add(rule.expression);
      const e = expression(CLAIMS, rule.expression, ['bool'], p.child('expression'), errors);
      if (e) {
        noteEmail(e);
        claimRules.push({ expression: e, message: rule.message ?? '' });
      }
    }
  });

  // claimMappings
  const m = a.claimMappings ?? { username: {} };
  const mp = path.child('claimMappings');
  const username = mapping(m.username ?? {}, mp.child('username'), true, ['string'], errors);
  if (username && 'expression' in username) {
    uses.email = /\bclaims\s*\.\s*\??\s*email\b(?!_)/.test(username.expression.text);
    noteEmail(username.expression);
  }
  const groups = m.groups
    ? mapping(m.groups, mp.child('groups'), false, ['string', 'list<string>', 'list<dyn>'], errors)
    : undefined;
  let uid: ClaimMapping | undefined;
  if (m.uid?.claim && m.uid.expression) {
    errors.push(invalid(mp.child('uid'), '', "claim and expression can't both be set"));
  } else if (m.uid?.claim) {
    uid = { claim: m.uid.claim, prefix: '' };
  } else if (m.uid?.expression) {
    const e = expression(
      CLAIMS,
      m.uid.expression,
      ['string'],
      mp.child('uid', 'expression'),
      errors,
    );
    if (e) uid = { expression: e };
  }
  const extra: Array<{ key: string; expression: StandaloneExpression }> = [];
  const seenKeys = new Set<string>();
  (m.extra ?? []).forEach((x, i) => {
    const p = mp.child('extra').index(i);
    const key = x.key ?? '';
    checkExtraKey(key, p.child('key'), errors);
    if (seenKeys.has(key)) {
      errors.push(duplicate(p.child('key'), key));
      return;
    }
    seenKeys.add(key);
    if (!x.valueExpression) {
      errors.push(required(p.child('valueExpression')));
      return;
    }
    const e = expression(
      CLAIMS,
      x.valueExpression,
      ['string', 'list<string>', 'list<dyn>'],
      p.child('valueExpression'),
      errors,
    );
    if (e) {
      noteEmail(e);
      extra.push({ key, expression: e });
    }
  });
  if (uses.email && !uses.emailVerified) {
    errors.push(
      invalid(
        mp.child('username', 'expression'),
        m.username?.expression,
        'claims.email_verified must be used in claimMappings.username.expression or claimMappings.extra[*].valueExpression or claimValidationRules[*].expression when claims.email is used in claimMappings.username.expression',
      ),
    );
  }

  // userValidationRules
  const userRules: ExpressionRule[] = [];
  const seenUserRules = new Set<string>();
  (a.userValidationRules ?? []).forEach((rule, i) => {
    const p = path.child('userValidationRules').index(i);
    if (!rule.expression) {
      errors.push(required(p.child('expression')));
      return;
    }
    if (seenUserRules.has(rule.expression)) {
      errors.push(duplicate(p.child('expression'), rule.expression));
      return;
    }
    seenUserRules.add(rule.expression);
    const e = expression(USER, rule.expression, ['bool'], p.child('expression'), errors);
    if (e) userRules.push({ expression: e, message: rule.message ?? '' });
  });

  if (errors.length > before || !username) return undefined;
  const url = issuer.url;
  return {
    issuerUrl: url,
    discoveryUrl: issuer.discoveryURL || `${url.replace(/\/+$/, '')}${WELL_KNOWN}`,
    ...(issuer.certificateAuthority ? { ca: issuer.certificateAuthority } : {}),
    audiences: [...issuer.audiences],
    signingAlgorithms: [...signingAlgorithms],
    username,
    ...(groups ? { groups } : {}),
    ...(uid ? { uid } : {}),
    extra,
    requiredClaims,
    claimRules,
    userRules,
  };
}

function expression(
  variables: Record<string, string>,
  text: string,
  types: readonly string[],
  path: FieldPath,
  errors: FieldError[],
): StandaloneExpression | undefined {
  const compiled = compileStandalone(variables, text, types);
  if ('error' in compiled) {
    errors.push(invalid(path, text, compiled.error));
    return undefined;
  }
  return compiled;
}

function mapping(
  m: PrefixedClaimOrExpression,
  path: FieldPath,
  isRequired: boolean,
  types: readonly string[],
  errors: FieldError[],
): ClaimMapping | undefined {
  if (m.expression && m.claim) {
    errors.push(invalid(path, '', "claim and expression can't both be set"));
    return undefined;
  }
  if (m.expression) {
    if (m.prefix !== undefined) {
      errors.push(
        invalid(path.child('prefix'), m.prefix, 'may not be specified when expression is set'),
      );
    }
    const e = expression(CLAIMS, m.expression, types, path.child('expression'), errors);
    return e ? { expression: e } : undefined;
  }
  if (m.claim) {
    if (m.prefix === undefined || m.prefix === null) {
      errors.push(
        required(
          path.child('prefix'),
          'prefix is required when claim is set. It can be set to an empty string to disable prefixing',
        ),
      );
      return undefined;
    }
    return { claim: m.claim, prefix: m.prefix };
  }
  if (isRequired) errors.push(required(path, 'claim or expression is required'));
  return undefined;
}

function checkUrl(
  value: string,
  path: FieldPath,
  disallowed: readonly string[],
  errors: FieldError[],
): void {
  if (value === '') {
    errors.push(required(path));
    return;
  }
  if (disallowed.includes(value)) {
    errors.push(
      invalid(
        path,
        value,
        `URL must not overlap with disallowed issuers: [${[...disallowed].sort().join(' ')}]`,
      ),
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    errors.push(invalid(path, value, 'must be a URL'));
    return;
  }
  if (url.protocol !== 'https:') errors.push(invalid(path, value, 'URL scheme must be https'));
  if (url.username || url.password) {
    errors.push(invalid(path, value, 'URL must not contain a username or password'));
  }
  if (url.search) errors.push(invalid(path, value, 'URL must not contain a query'));
  if (url.hash) errors.push(invalid(path, value, 'URL must not contain a fragment'));
}

function checkAudiences(
  audiences: readonly string[],
  policy: string,
  issuerPath: FieldPath,
  errors: FieldError[],
): void {
  const path = issuerPath.child('audiences');
  if (audiences.length === 0) {
    errors.push(required(path, `at least one ${path} is required`));
    return;
  }
  const seen = new Set<string>();
  audiences.forEach((audience, i) => {
    if (audience === '') errors.push(required(path.index(i)));
    if (seen.has(audience)) errors.push(duplicate(path.index(i), audience));
    seen.add(audience);
  });
  const policyPath = issuerPath.child('audienceMatchPolicy');
  if (audiences.length > 1 && policy !== 'MatchAny') {
    errors.push(
      invalid(policyPath, policy, 'audienceMatchPolicy must be MatchAny for multiple audiences'),
    );
  }
  if (audiences.length === 1 && policy !== '' && policy !== 'MatchAny') {
    errors.push(
      invalid(
        policyPath,
        policy,
        'audienceMatchPolicy must be empty or MatchAny for single audience',
      ),
    );
  }
}

const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;
const RESERVED_DOMAINS = ['kubernetes.io', 'k8s.io', 'kcp.io'];

function checkExtraKey(key: string, path: FieldPath, errors: FieldError[]): void {
  if (key === '') {
    errors.push(required(path));
    return;
  }
  const slash = key.indexOf('/');
  const host = slash > 0 ? key.slice(0, slash) : '';
  const rest = slash > 0 ? key.slice(slash + 1) : '';
  if (!host || !rest) {
    errors.push(invalid(path, key, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  } else {
    for (const msg of isDNS1123Subdomain(host)) errors.push(invalid(path, host, msg));
    if (!HTTP_PATH.test(rest)) {
      errors.push(
        invalid(path, rest, regexError('Invalid path', "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+")),
      );
    }
  }
  if (key !== key.toLowerCase()) errors.push(invalid(path, key, 'must be lowercase'));
  const reserved = RESERVED_DOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
  if (reserved === 'kcp.io') {
    errors.push(
      invalid(path, key, 'kcp.io and its subdomains are reserved: they carry scopes and warrants'),
    );
  } else if (reserved) {
    errors.push(
      invalid(
        path,
        key,
        'k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use',
      ),
    );
  }
}
