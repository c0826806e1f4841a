/**
 * kube-apiserver's OpenID Connect flags for `canopy start`: the `--oidc-*` flags (one issuer)
 * or `--authentication-config` (an AuthenticationConfiguration file: several issuers, claim
 * mappings, CEL rules), mutually exclusive as upstream. Turns them into what the API server
 * takes, reading the files they name; throws naming the flag when something is wrong.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  DEFAULT_SIGNING_ALGORITHMS,
  fileAuthentication,
  type JwtAuthentication,
  oidcFlagsAuthentication,
  parseAuthenticationConfiguration,
  VALID_SIGNING_ALGORITHMS,
} from '../apiserver/authn/oidc/authentication-config.ts';
import type { OidcClientOptions } from '../hub/sso/oidc-client.ts';
import { listFlag } from './flags.ts';

export interface AuthenticationFlags {
  oidcIssuerUrl?: string;
  oidcClientId?: string;
  oidcUsernameClaim?: string;
  oidcUsernamePrefix?: string;
  oidcGroupsClaim?: string;
  oidcGroupsPrefix?: string;
  oidcRequiredClaim?: string[];
  oidcCaFile?: string;
  oidcSigningAlgs?: string;
  authenticationConfig?: string;
}

/** Repeated `key=value[,key=value]` values, as pflag's mapStringString collects them. */
function collectPairs(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...listFlag(value)];
}

export function addAuthenticationFlags(command: Command): Command {
  return command
    .option(
      '--oidc-issuer-url <url>',
      'accept ID tokens of this OpenID Connect issuer (https) as bearer tokens; needs --oidc-client-id',
    )
    .option('--oidc-client-id <id>', 'the audience ID tokens must be issued for')
    .option(
      '--oidc-username-claim <claim>',
      'the claim that is the user name (default sub); with email, an email_verified claim must not be false',
    )
    .option(
      '--oidc-username-prefix <prefix>',
      'prepended to user names (default: "<issuer>#" unless the claim is email; "-" for none)',
    )
    .option(
      '--oidc-groups-claim <claim>',
      'the claim holding the groups (a string or a list of strings)',
    )
    .option('--oidc-groups-prefix <prefix>', 'prepended to every group')
    .option(
      '--oidc-required-claim <key=value>',
      'a claim every ID token must have with this value (repeat, or comma-separate, for several)',
      collectPairs,
    )
    .option(
      '--oidc-ca-file <file>',
      "PEM CA certificates for the issuer's TLS (default: the system's)",
    )
    .option(
      '--oidc-signing-algs <algs>',
      `comma-separated algorithms tokens may be signed with (default ${DEFAULT_SIGNING_ALGORITHMS.join(',')}; of ${VALID_SIGNING_ALGORITHMS.join(', ')})`,
    )
    .option(
      '--authentication-config <file>',
      'an apiserver.config.k8s.io AuthenticationConfiguration (several issuers, claim mappings, CEL rules); not with --oidc-*',
    );
}

/** The JWT authentication the flags ask for; undefined when they ask for none. */
export function jwtAuthenticationOf(flags: AuthenticationFlags): JwtAuthentication | undefined {
  const oidcGiven = Object.entries(flags).some(
    ([name, value]) => name.startsWith('oidc') && value !== undefined,
  );
  if (flags.authenticationConfig !== undefined) {
    if (oidcGiven) {
      throw new Error('--authentication-config and the --oidc-* flags are mutually exclusive');
    }
    const text = readFlagFile('--authentication-config', flags.authenticationConfig);
    try {
      return fileAuthentication(parseAuthenticationConfiguration(text));
    } catch (err) {
      throw new Error(
        `failed to load authentication configuration from file ${JSON.stringify(flags.authenticationConfig)}: ${(err as Error).message}`,
      );
    }
  }
  if (!oidcGiven) return undefined;
  const signingAlgorithms = listFlag(flags.oidcSigningAlgs);
  return oidcFlagsAuthentication({
    issuerUrl: flags.oidcIssuerUrl,
    clientId: flags.oidcClientId,
    usernameClaim: flags.oidcUsernameClaim,
    usernamePrefix: flags.oidcUsernamePrefix,
    groupsClaim: flags.oidcGroupsClaim,
    groupsPrefix: flags.oidcGroupsPrefix,
    requiredClaims: flags.oidcRequiredClaim,
    ...(flags.oidcCaFile !== undefined
      ? { ca: readFlagFile('--oidc-ca-file', flags.oidcCaFile) }
      : {}),
    ...(signingAlgorithms.length > 0 ? { signingAlgorithms } : {}),
  });
}

function readFlagFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(
      `${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/**
 * The hub's "Sign in with <issuer>": the first issuer the API server trusts, the first of
 * its audiences as the hub's client ID (an ID token issued to the hub is then one the API
 * server accepts), its CA, and the client secret from `secretFile` (absent: a public
 * client, PKCE only). Undefined when the API server trusts no issuer.
 */
export function hubSignInOf(
  jwt: JwtAuthentication | undefined,
  secretFile: string | undefined,
  secretFlag: string,
): OidcClientOptions | undefined {
  const issuer = jwt?.authenticators[0]?.issuer;
  const clientId = issuer?.audiences[0];
  if (!issuer || !clientId) {
    if (secretFile !== undefined)
      throw new Error(
        `${secretFlag} needs an OpenID issuer: --oidc-issuer-url and --oidc-client-id`,
      );
    return undefined;
  }
  const secret = secretFile === undefined ? undefined : readFlagFile(secretFlag, secretFile).trim();
  if (secret === '') throw new Error(`${secretFlag}: ${secretFile} is empty`);
  return {
    issuerUrl: issuer.url,
    clientId,
    ...(secret ? { clientSecret: secret } : {}),
    ...(issuer.certificateAuthority ? { ca: issuer.certificateAuthority } : {}),
  };
}
