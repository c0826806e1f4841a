/**
 * The `token` subresource of ServiceAccounts (TokenRequest, authentication.k8s.io/v1):
 * `kubectl create token <sa>` POSTs a TokenRequest and gets a signed, expiring JWT for the
 * account, scoped to this logical cluster, optionally bound to a Secret (the token dies
 * with it). `withTokenRequest` adds the subresource to the ServiceAccount type.
 */
import { FieldPath, invalid, tooLong } from '../../../apimachinery/field-errors.ts';
import { asKubeObject, type KubeObject, objectOrEmpty } from '../../../apimachinery/meta.ts';
import {
  badRequest,
  conflict,
  invalid as invalidStatus,
  notFound,
} from '../../../apimachinery/status.ts';
import {
  type BoundObjectRef,
  DEFAULT_EXPIRATION_SECONDS,
  MAX_EXPIRATION_SECONDS,
  MIN_EXPIRATION_SECONDS,
  type ServiceAccountLookup,
  type ServiceAccountTokens,
} from '../../authn/service-accounts.ts';
import type { ResourceType, VirtualSubresource } from '../../registry/resource-type.ts';
import { objectField, stringField, stringList } from '../authorization/virtual.ts';
import { TOKEN_REQUEST } from './go-types.ts';
import { AUTHENTICATION_GROUP } from './selfsubjectreviews.ts';

export interface TokenRequestDeps {
  readonly tokens: ServiceAccountTokens;
  readonly lookup: ServiceAccountLookup;
}

const SPEC = FieldPath.root('spec');

function expirationOf(spec: Record<string, unknown>): number {
  const v = spec.expirationSeconds;
  return typeof v === 'number' ? v : DEFAULT_EXPIRATION_SECONDS;
}

export function tokenRequestSubresource(deps: TokenRequestDeps): VirtualSubresource {
  return {
    group: AUTHENTICATION_GROUP,
    version: 'v1',
    kind: 'TokenRequest',
    goType: TOKEN_REQUEST,
    async create(ctx, body: KubeObject) {
      const namespace = ctx.namespace ?? '';
      const name = ctx.name;
      const spec = objectField(body, 'spec') ?? {};
      const expirationSeconds = expirationOf(spec);
      const errs = [];
      if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_EXPIRATION_SECONDS) {
        errs.push(
          invalid(
            SPEC.child('expirationSeconds'),
            expirationSeconds,
            'may not specify a duration less than 10 minutes',
          ),
        );
      }
      if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
        errs.push(
          tooLong(SPEC.child('expirationSeconds'), expirationSeconds, MAX_EXPIRATION_SECONDS),
        );
      }
      if (errs.length > 0) {
        throw invalidStatus({ group: AUTHENTICATION_GROUP, kind: 'TokenRequest' }, name, errs);
      }
      const sa = await deps.lookup.serviceAccount(ctx.cluster, namespace, name);
      if (!sa) throw notFound({ group: '', resource: 'serviceaccounts' }, name);
      const meta = objectOrEmpty(body.metadata);
      const metaNamespace = stringField(meta, 'namespace');
      const metaName = stringField(meta, 'name');
      if (metaNamespace && metaNamespace !== namespace) {
        throw badRequest(`namespace mismatch, expected ${namespace}, got ${metaNamespace}`);
      }
      if (metaName && metaName !== name) {
        throw badRequest(`name mismatch, expected ${name}, got ${metaName}`);
      }

      let boundObject: BoundObjectRef | undefined;
      const ref = objectField(spec, 'boundObjectRef');
      if (ref) {
        const kind = stringField(ref, 'kind');
        const apiVersion = stringField(ref, 'apiVersion');
        const refName = stringField(ref, 'name');
        if (kind !== 'Secret' || (apiVersion !== 'v1' && apiVersion !== '')) {
          const gv = apiVersion.includes('/') ? apiVersion : `/${apiVersion}`;
          throw badRequest(`cannot bind token to object of type ${gv}, Kind=${kind}`);
        }
        const secret = await deps.lookup.secret(ctx.cluster, namespace, refName);
        if (!secret) throw notFound({ group: '', resource: 'secrets' }, refName);
        const uid = secret.metadata.uid ?? '';
        const wantUid = stringField(ref, 'uid');
        if (wantUid && wantUid !== uid) {
          throw conflict(
            { group: '', resource: 'Secret' },
            refName,
            `the UID in the bound object reference (${wantUid}) does not match the UID in record. The object might have been deleted and then recreated`,
          );
        }
        boundObject = { kind: 'Secret', name: refName, uid };
      }

      const asked = stringList(spec, 'audiences');
      const audiences = asked.length > 0 ? asked : [...deps.tokens.apiAudiences];
      const minted = ctx.dryRun
        ? { token: '', expirationTimestamp: '' }
        : deps.tokens.mint({
            serviceAccount: {
              cluster: ctx.cluster,
              namespace,
              name,
              uid: sa.metadata.uid ?? '',
            },
            audiences,
            expirationSeconds,
            ...(boundObject ? { boundObject } : {}),
          });
      return asKubeObject({
        apiVersion: `${AUTHENTICATION_GROUP}/v1`,
        kind: 'TokenRequest',
        metadata: { ...meta, name, namespace, creationTimestamp: null },
        spec: {
          audiences,
          expirationSeconds,
          boundObjectRef: ref ? { ...ref, ...(boundObject ? { uid: boundObject.uid } : {}) } : null,
        },
        status: {
          token: minted.token,
          expirationTimestamp: minted.expirationTimestamp || null,
        },
      });
    },
  };
}

/** The ServiceAccount type with its `token` subresource (served and listed in discovery). */
export function withTokenRequest(
  serviceAccounts: ResourceType,
  deps: TokenRequestDeps,
): ResourceType {
  return {
    ...serviceAccounts,
    extraSubresources: [
      ...(serviceAccounts.extraSubresources ?? []),
      {
        name: 'token',
        group: AUTHENTICATION_GROUP,
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      },
    ],
    virtualSubresources: {
      ...serviceAccounts.virtualSubresources,
      token: tokenRequestSubresource(deps),
    },
  };
}
