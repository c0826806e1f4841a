/**
 * Credentials of a Cluster: the Secrets the operator owns (`<cluster>-superuser` when it
 * generates that password, `<cluster>-app` always, see secrets.ts), kept pointing at the
 * current primary, and the passwords of the roles inside PostgreSQL. Which credentials are
 * in force is decided by `resolveCredentials` (cluster-reconcile.ts).
 */
import type { Secret } from '../../../api/core/types.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../../../controller/kube/client.ts';
import type { Instance } from '../../runtime/instance.ts';
import {
  escapeIdentifier,
  escapeLiteral,
  type SocketAddress,
  withClient,
} from '../../runtime/sql.ts';
import { type ControllerDeps, SECRETS } from '../deps.ts';
import { type ClusterRuntime, passwordDigest } from '../instance-manager.ts';
import {
  credentialSecretsPlan,
  type ResolvedCredentials,
  rolesToSync,
  type SecretLookup,
  secretUpToDate,
} from './cluster-reconcile.ts';
import type { ClusterPass } from './pass.ts';
import { credentialSecret, decode, isOwnedBy } from './secrets.ts';
import type { ResolvedSpec } from './spec.ts';

/** Secrets of `namespace` from the cache; `direct` reads through to the server on a miss. */
export function secretLookup(deps: ControllerDeps, namespace: string): SecretLookup {
  return async (name, direct) => {
    const cached = deps.secrets.get(name, namespace);
    if (cached || !direct) return cached;
    return deps.client.getOrUndefined<Secret>(SECRETS, namespace, name);
  };
}

/**
 * Writes the operator's credential Secrets with `primary`'s address. A generated password
 * someone else stored first (an earlier pass) wins over the one just generated.
 */
export async function ensureSecrets(pass: ClusterPass, primary: Instance): Promise<void> {
  const { cluster, spec, deps } = pass;
  // The read-write endpoint: its port never changes, whichever instance is primary.
  const port = pass.runtime?.meta.endpointPorts?.rw ?? primary.port;
  const namespace = cluster.metadata.namespace;
  const plan = credentialSecretsPlan(spec, cluster.metadata.name);
  const superuser = pass.credentials.superuser;
  if (plan.superuser.action === 'write' && superuser) {
    const stored = await upsertSecret(
      pass,
      plan.superuser.name,
      credentialSecret(cluster, plan.superuser.name, 'superuser', superuser, {
        host: deps.host,
        port,
        dbname: '*',
      }),
    );
    const password = decode(stored?.data?.password);
    if (password !== undefined && password !== superuser.password)
      pass.credentials = { ...pass.credentials, superuser: { username: 'postgres', password } };
  } else if (plan.superuser.action === 'remove-if-owned') {
    const existing = deps.secrets.get(plan.superuser.name, namespace);
    if (existing && isOwnedBy(existing, cluster))
      await deps.client.delete(SECRETS, namespace, plan.superuser.name);
  }
  if (plan.app) {
    const owner = pass.credentials.owner;
    const stored = await upsertSecret(
      pass,
      plan.app,
      credentialSecret(cluster, plan.app, 'app', owner, {
        host: deps.host,
        port,
        dbname: spec.database,
      }),
    );
    const password = decode(stored?.data?.password);
    if (password !== undefined && !spec.ownerSecret && password !== owner.password)
      pass.credentials = { ...pass.credentials, owner: { username: spec.owner, password } };
  }
}

/**
 * Creates or updates an operator-owned Secret. A Secret of that name the Cluster does
 * not own is left alone. Returns what the server holds.
 */
async function upsertSecret(
  pass: ClusterPass,
  secretName: string,
  desired: Secret,
): Promise<Secret | undefined> {
  const { deps, cluster } = pass;
  const { namespace } = cluster.metadata;
  const lookup = secretLookup(deps, namespace);
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await lookup(secretName, true);
    if (!existing) {
      try {
        return await deps.client.create<Secret>(SECRETS, namespace, desired);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        // Someone (an earlier pass of this operator) created it first: keep its password,
        // unless the Secret is not the Cluster's (then it is left alone, as below).
        const now = await deps.client.getOrUndefined<Secret>(SECRETS, namespace, secretName);
        return now && isOwnedBy(now, cluster) ? now : undefined;
      }
    }
    if (!isOwnedBy(existing, cluster)) return undefined;
    if (secretUpToDate(existing, desired)) return existing;
    try {
      return await deps.client.update<Secret>(SECRETS, namespace, secretName, {
        ...desired,
        metadata: {
          ...existing.metadata,
          labels: { ...(existing.metadata.labels ?? {}), ...desired.metadata.labels },
          ownerReferences: desired.metadata.ownerReferences,
        },
      });
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) continue;
      throw err;
    }
  }
  return undefined;
}

/**
 * Sets the passwords of postgres (or NULL), the owner and the replication role through
 * the server at `address`, recording each digest in `applied` as it goes.
 */
export async function syncRoles(
  runtime: ClusterRuntime,
  address: SocketAddress,
  credentials: ResolvedCredentials,
  spec: ResolvedSpec,
  applied: Record<string, string>,
): Promise<void> {
  const todo = rolesToSync({
    replicationPassword: runtime.meta.replicationPassword,
    credentials,
    owner: spec.owner,
    applied,
    digest: passwordDigest,
  });
  if (todo.length === 0) return;
  await withClient(address, 'postgres', async (client) => {
    for (const { role, password, options } of todo) {
      const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]))
        .rowCount;
      const pw = password === null ? 'PASSWORD NULL' : `PASSWORD ${escapeLiteral(password)}`;
      const verb = exists ? 'ALTER' : 'CREATE';
      await client.query(`${verb} ROLE ${escapeIdentifier(role)} WITH ${options} ${pw}`);
      applied[role] = passwordDigest(role, password);
    }
  });
}
