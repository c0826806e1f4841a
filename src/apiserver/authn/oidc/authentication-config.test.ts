import { describe, expect, it } from 'vitest';
import type { JWTAuthenticator } from '../../../api/apiserver/types.ts';
import {
  compileAuthenticators,
  type JwtAuthentication,
  oidcFlagsAuthentication,
  parseAuthenticationConfiguration,
  VALID_SIGNING_ALGORITHMS,
} from './authentication-config.ts';

const ISSUER = 'https://idp.example.com';

function jwt(overrides: Partial<JWTAuthenticator> = {}): JWTAuthenticator {
  return {
    issuer: { url: ISSUER, audiences: ['canopy'] },
    claimMappings: { username: { claim: 'sub', prefix: '' } },
    ...overrides,
  };
}

const file = (authenticators: JWTAuthenticator[]): JwtAuthentication => ({
  authenticators,
  signingAlgorithms: VALID_SIGNING_ALGORITHMS,
});

/** The one authenticator flags make. */
function fromFlags(
  flags: Parameters<typeof oidcFlagsAuthentication>[0],
): JWTAuthenticator | undefined {
  return oidcFlagsAuthentication(flags)?.authenticators[0];
}

function problem(authenticators: JWTAuthenticator[], options = {}): string {
  try {
    compileAuthenticators(file(authenticators), options);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('parseAuthenticationConfiguration', () => {
  it('reads YAML of every served version', () => {
    for (const version of ['v1', 'v1beta1', 'v1alpha1']) {
      const config = parseAuthenticationConfiguration(`
apiVersion: apiserver.config.k8s.io/${version}
kind: AuthenticationConfiguration
jwt:
- issuer: {url: ${ISSUER}, audiences: [canopy]}
  claimMappings: {username: {claim: sub, prefix: ""}}
`);
      expect(config.jwt?.[0]?.issuer.url).toBe(ISSUER);
    }
  });

  it('refuses another kind, an empty file and unknown fields, naming them', () => {
    expect(() => parseAuthenticationConfiguration('')).toThrow('empty config data');
    expect(() => parseAuthenticationConfiguration('apiVersion: v1\nkind: ConfigMap\n')).toThrow(
      /expected kind AuthenticationConfiguration/,
    );
    expect(() =>
      parseAuthenticationConfiguration(`
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer: {url: ${ISSUER}, audiences: [canopy], clientSecret: x}
  claimMappings: {username: {claim: sub, prefix: "", claims: 1}}
`),
    ).toThrow(
      'strict decoding error: unknown field "jwt[0].issuer.clientSecret", unknown field "jwt[0].claimMappings.username.claims"',
    );
    expect(() =>
      parseAuthenticationConfiguration(`
apiVersion: apiserver.config.k8s.io/v1
kind: AuthenticationConfiguration
jwt:
- issuer: {url: 5, audiences: canopy}
  claimMappings: {username: {claim: sub, prefix: ""}}
`),
    ).toThrow(
      'jwt[0].issuer.url: must be a string, jwt[0].issuer.audiences: must be a list of strings',
    );
  });
});

describe('oidcFlagsAuthentication', () => {
  it('is nothing without flags, and needs issuer and client id together', () => {
    expect(oidcFlagsAuthentication({})).toBeUndefined();
    expect(() => fromFlags({ issuerUrl: ISSUER })).toThrow(
      'oidc-issuer-url and oidc-client-id must be specified together when any oidc-* flags are set',
    );
    expect(() => fromFlags({ groupsClaim: 'groups' })).toThrow(/together/);
  });

  it('prefixes usernames as kube-apiserver does', () => {
    const prefix = (flags: { usernameClaim?: string; usernamePrefix?: string }) => {
      const a = fromFlags({ issuerUrl: ISSUER, clientId: 'c', ...flags });
      return a?.claimMappings.username;
    };
    expect(prefix({})).toEqual({ claim: 'sub', prefix: `${ISSUER}#` });
    expect(prefix({ usernameClaim: 'email' })).toEqual({ claim: 'email', prefix: '' });
    expect(prefix({ usernameClaim: 'name', usernamePrefix: '-' })).toEqual({
      claim: 'name',
      prefix: '',
    });
    expect(prefix({ usernamePrefix: 'oidc:' })).toEqual({ claim: 'sub', prefix: 'oidc:' });
  });

  it('maps groups, required claims and the CA', () => {
    const a = fromFlags({
      issuerUrl: ISSUER,
      clientId: 'canopy',
      groupsClaim: 'groups',
      groupsPrefix: 'oidc:',
      requiredClaims: ['hd=example.com', 'tier=gold=1'],
      ca: '-----BEGIN CERTIFICATE-----',
    });
    expect(a).toEqual({
      issuer: {
        url: ISSUER,
        audiences: ['canopy'],
        certificateAuthority: '-----BEGIN CERTIFICATE-----',
      },
      claimMappings: {
        username: { claim: 'sub', prefix: `${ISSUER}#` },
        groups: { claim: 'groups', prefix: 'oidc:' },
      },
      claimValidationRules: [
        { claim: 'hd', requiredValue: 'example.com' },
        { claim: 'tier', requiredValue: 'gold=1' },
      ],
    });
    expect(() =>
      fromFlags({ issuerUrl: ISSUER, clientId: 'c', requiredClaims: ['nokey'] }),
    ).toThrow('--oidc-required-claim wants key=value, not "nokey"');
  });

  it('allows RS256 unless --oidc-signing-algs says otherwise', () => {
    const algs = (signingAlgorithms?: string[]) =>
      oidcFlagsAuthentication({
        issuerUrl: ISSUER,
        clientId: 'c',
        ...(signingAlgorithms ? { signingAlgorithms } : {}),
      })?.signingAlgorithms;
    expect(algs()).toEqual(['RS256']);
    expect(algs(['ES256', 'PS512'])).toEqual(['ES256', 'PS512']);
  });

  it('refuses signing algorithms go-oidc does not allow', () => {
    expect(() =>
      fromFlags({ issuerUrl: ISSUER, clientId: 'c', signingAlgorithms: ['HS256'] }),
    ).toThrow('oidc: unsupported signing alg: "HS256"');
    expect(() =>
      fromFlags({ issuerUrl: ISSUER, clientId: 'c', signingAlgorithms: ['none'] }),
    ).toThrow(/unsupported/);
  });
});

describe('compileAuthenticators', () => {
  it('compiles a valid authenticator with its discovery URL', () => {
    const [spec] = compileAuthenticators(file([jwt()]));
    expect(spec?.discoveryUrl).toBe(`${ISSUER}/.well-known/openid-configuration`);
    expect(spec?.signingAlgorithms).toContain('ES256');
    const [withPath] = compileAuthenticators(
      file([jwt({ issuer: { url: `${ISSUER}/realms/x/`, audiences: ['a'] } })]),
    );
    expect(withPath?.discoveryUrl).toBe(`${ISSUER}/realms/x/.well-known/openid-configuration`);
  });

  it.each([
    [
      'plain http',
      [jwt({ issuer: { url: 'http://idp', audiences: ['a'] } })],
      'jwt[0].issuer.url: Invalid value: "http://idp": URL scheme must be https',
    ],
    [
      'a query',
      [jwt({ issuer: { url: `${ISSUER}?a=1`, audiences: ['a'] } })],
      'URL must not contain a query',
    ],
    [
      'no issuer',
      [jwt({ issuer: { url: '', audiences: ['a'] } })],
      'jwt[0].issuer.url: Required value',
    ],
    [
      'the service-account issuer',
      [jwt({ issuer: { url: 'https://kubernetes.default.svc', audiences: ['a'] } })],
      'URL must not overlap with disallowed issuers: [https://kubernetes.default.svc]',
    ],
    ['a duplicate issuer', [jwt(), jwt()], `jwt[1].issuer.url: Duplicate value: "${ISSUER}"`],
    [
      'no audience',
      [jwt({ issuer: { url: ISSUER, audiences: [] } })],
      'jwt[0].issuer.audiences: Required value: at least one jwt[0].issuer.audiences is required',
    ],
    [
      'several audiences without MatchAny',
      [jwt({ issuer: { url: ISSUER, audiences: ['a', 'b'] } })],
      'audienceMatchPolicy must be MatchAny for multiple audiences',
    ],
    [
      'discoveryURL equal to the URL',
      [jwt({ issuer: { url: ISSUER, discoveryURL: `${ISSUER}/`, audiences: ['a'] } })],
      'discoveryURL must be different from URL',
    ],
    [
      'a claim without prefix',
      [jwt({ claimMappings: { username: { claim: 'sub' } } })],
      'jwt[0].claimMappings.username.prefix: Required value: prefix is required when claim is set',
    ],
    [
      'claim and expression',
      [jwt({ claimMappings: { username: { claim: 'sub', expression: 'claims.sub' } } })],
      'jwt[0].claimMappings.username: Invalid value: "": claim and expression can\'t both be set',
    ],
    [
      'no username mapping',
      [jwt({ claimMappings: { username: {} } })],
      'jwt[0].claimMappings.username: Required value: claim or expression is required',
    ],
    [
      'an expression that does not compile',
      [jwt({ claimMappings: { username: { expression: 'claims.sub +' } } })],
      'jwt[0].claimMappings.username.expression: Invalid value: "claims.sub +": compilation failed',
    ],
    [
      'a username expression of the wrong type',
      [jwt({ claimMappings: { username: { expression: '1 + 2' } } })],
      'must evaluate to one of string, not int',
    ],
    [
      'email without email_verified',
      [jwt({ claimMappings: { username: { expression: 'claims.email' } } })],
      'claims.email_verified must be used in claimMappings.username.expression',
    ],
    [
      'an extra key under kcp.io',
      [
        jwt({
          claimMappings: {
            username: { claim: 'sub', prefix: '' },
            extra: [{ key: 'authentication.kcp.io/scopes', valueExpression: "'cluster:root'" }],
          },
        }),
      ],
      'kcp.io and its subdomains are reserved: they carry scopes and warrants',
    ],
    [
      'an extra key under kubernetes.io',
      [
        jwt({
          claimMappings: {
            username: { claim: 'sub', prefix: '' },
            extra: [{ key: 'authentication.kubernetes.io/x', valueExpression: "'y'" }],
          },
        }),
      ],
      'k8s.io, kubernetes.io and their subdomains are reserved for Kubernetes use',
    ],
    [
      'an extra key without domain, in capitals',
      [
        jwt({
          claimMappings: {
            username: { claim: 'sub', prefix: '' },
            extra: [{ key: 'Team', valueExpression: "'y'" }],
          },
        }),
      ],
      'must be a domain-prefixed path (such as "acme.io/foo"), jwt[0].claimMappings.extra[0].key: Invalid value: "Team": must be lowercase',
    ],
    [
      'a claim rule with both claim and expression',
      [jwt({ claimValidationRules: [{ claim: 'hd', expression: 'true' }] })],
      'jwt[0].claimValidationRules[0]: Invalid value: "hd": claim and expression can\'t both be set',
    ],
    [
      'a non-boolean claim rule',
      [jwt({ claimValidationRules: [{ expression: "'yes'" }] })],
      'must evaluate to one of bool, not string',
    ],
    [
      'a user rule over claims',
      [jwt({ userValidationRules: [{ expression: 'claims.sub == "x"' }] })],
      "undeclared reference to 'claims'",
    ],
  ])('refuses %s', (_name, authenticators, message) => {
    expect(
      problem(authenticators, { disallowedIssuers: ['https://kubernetes.default.svc'] }),
    ).toContain(message);
  });

  it('lists every problem at once', () => {
    const message = problem([jwt({ issuer: { url: 'http://a?x', audiences: [] } })]);
    expect(message).toMatch(/^invalid authentication configuration: \[/);
    expect(message).toContain('URL scheme must be https');
    expect(message).toContain('URL must not contain a query');
    expect(message).toContain('at least one jwt[0].issuer.audiences is required');
  });
});
