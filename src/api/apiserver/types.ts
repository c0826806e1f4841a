/**
 * apiserver.config.k8s.io AuthenticationConfiguration: the file `--authentication-config`
 * names, as kube-apiserver reads it (v1alpha1, v1beta1 and v1 have the same shape for what
 * is here). Each JWT authenticator trusts one OpenID Connect issuer: where its discovery
 * document is, which audiences its tokens must carry, how claims become a user, and CEL rules
 * on the claims and on the user. The `--oidc-*` flags describe exactly one such authenticator.
 */

export const APISERVER_CONFIG_GROUP = 'apiserver.config.k8s.io';
export const AUTHENTICATION_CONFIGURATION_KIND = 'AuthenticationConfiguration';
export const AUTHENTICATION_CONFIGURATION_VERSIONS = ['v1', 'v1beta1', 'v1alpha1'] as const;

export interface AuthenticationConfiguration {
  apiVersion?: string;
  kind?: string;
  jwt?: JWTAuthenticator[];
}

export interface JWTAuthenticator {
  issuer: Issuer;
  claimValidationRules?: ClaimValidationRule[];
  claimMappings: ClaimMappings;
  userValidationRules?: UserValidationRule[];
}

export interface Issuer {
  /** https URL; must equal the tokens' `iss` and the discovery document's `issuer`. */
  url: string;
  /** Where the discovery document is, when not `{url}/.well-known/openid-configuration`. */
  discoveryURL?: string;
  /** PEM CA certificates for the discovery and JWKS connections (default: the system's). */
  certificateAuthority?: string;
  /** A token's `aud` must contain one of these. */
  audiences: string[];
  /** `MatchAny` (the only policy; required with several audiences). */
  audienceMatchPolicy?: string;
}

export interface ClaimValidationRule {
  /** A claim that must be present as a string equal to `requiredValue`. */
  claim?: string;
  requiredValue?: string;
  /** A CEL expression over `claims` that must be true. */
  expression?: string;
  message?: string;
}

export interface ClaimMappings {
  username: PrefixedClaimOrExpression;
  groups?: PrefixedClaimOrExpression;
  uid?: ClaimOrExpression;
  extra?: ExtraMapping[];
}

export interface PrefixedClaimOrExpression {
  claim?: string;
  /** Required with `claim` (may be ""). */
  prefix?: string;
  expression?: string;
}

export interface ClaimOrExpression {
  claim?: string;
  expression?: string;
}

export interface ExtraMapping {
  /** A lowercase domain-prefixed path (`example.org/team`). */
  key: string;
  /** CEL over `claims`, a string or a list of strings. */
  valueExpression: string;
}

export interface UserValidationRule {
  /** CEL over `user` (username, uid, groups, extra) that must be true. */
  expression: string;
  message?: string;
}
