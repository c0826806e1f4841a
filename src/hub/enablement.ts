/**
 * Enabling a provider in a workspace, and disabling it, **as the caller**: every request
 * goes to the control plane with the caller's own token, so its RBAC decides (`bind` on the
 * export, create/delete on apibindings in that workspace) and the hub can do nothing for a
 * caller that the caller could not do directly. Enable creates (or brings up to date) an
 * APIBinding named after the provider, accepting the claims the caller accepted and
 * rejecting the others, and waits until it is Bound; it is safe to repeat. Disable deletes
 * the provider's bindings and waits until they are gone (their objects with them).
 */
import type { APIBinding, BindingPermissionClaim } from '../api/apis/types.ts';
import type {
  CatalogEntry,
  CatalogEntrySpec,
  PermissionClaimSpec,
} from '../api/providers/types.ts';
import { nameOf } from '../apimachinery/meta.ts';
import { type StatusCause, StatusError, type StatusReason } from '../apimachinery/status.ts';
import {
  isAlreadyExists,
  isNotFound,
  type KubeClient,
  KubeError,
} from '../controller/kube/client.ts';
import type { Catalog } from './catalog.ts';
import { exportPathOf } from './providers-dto.ts';
import { BINDINGS } from './refs.ts';

const BOUND_TIMEOUT_MS = 30_000;
const GONE_TIMEOUT_MS = 60_000;

export interface AcceptedClaim {
  group?: string;
  resource: string;
}

export interface EnableResult {
  provider: string;
  workspace: string;
  bindingName: string;
  phase: string;
  acceptedClaims: { group: string; resource: string }[];
  rejectedClaims: { group: string; resource: string }[];
}

export interface EnabledProvider {
  bindingName: string;
  phase: string;
}

/** An entry that offers an API. */
type Offering = CatalogEntry & {
  spec: CatalogEntrySpec & { apiExport: NonNullable<CatalogEntrySpec['apiExport']> };
};

const claimId = (c: { group?: string; resource: string }) => `${c.group ?? ''}/${c.resource}`;

/** A refusal of the control plane, passed on with what the hub was doing. */
function passOn(err: unknown, doing: string): never {
  if (err instanceof KubeError) {
    const message = err.message.replace(/^[A-Z]+ \S+: /, '');
    throw new StatusError({
      code: err.code,
      reason: (err.reason || 'InternalError') as StatusReason,
      message: `${doing}: ${message}`,
    });
  }
  throw err;
}

export function conflictStatus(message: string, causes?: StatusCause[]): StatusError {
  return new StatusError({
    code: 409,
    reason: 'Conflict',
    message,
    ...(causes ? { details: { causes } } : {}),
  });
}

export class Enablement {
  readonly #catalog: Catalog;

  constructor(catalog: Catalog) {
    this.#catalog = catalog;
  }

  /** The catalog entry of a provider that can be enabled, or the Status saying why not. */
  #provider(name: string): Offering {
    const entry = this.#catalog.get(name);
    if (!entry || entry.metadata.deletionTimestamp)
      throw new StatusError({
        code: 404,
        reason: 'NotFound',
        message: `provider "${name}" is not in the catalog`,
        details: { name, kind: 'providers' },
      });
    if (!entry.spec.apiExport)
      throw new StatusError({
        code: 400,
        reason: 'BadRequest',
        message: `provider "${name}" offers no API to enable`,
      });
    return entry as Offering;
  }

  /** Whether `binding` binds the export of `entry`. */
  #binds(binding: APIBinding, entry: CatalogEntry): boolean {
    const ref = binding.spec.reference?.export;
    if (!ref || ref.name !== entry.spec.apiExport?.name) return false;
    const cluster = entry.status?.logicalCluster;
    return (
      ref.path === exportPathOf(entry) ||
      (cluster !== undefined &&
        (ref.path === cluster || binding.status?.apiExportClusterName === cluster))
    );
  }

  async #bindings(caller: KubeClient, workspace: string): Promise<APIBinding[]> {
    try {
      return (await caller.list<APIBinding>(BINDINGS)).items;
    } catch (err) {
      return passOn(err, `cannot list the APIBindings of ${workspace}`);
    }
  }

  /** Providers of the catalog with a binding in the workspace: provider → binding. */
  async enabled(caller: KubeClient, workspace: string): Promise<Record<string, EnabledProvider>> {
    const bindings = await this.#bindings(caller, workspace);
    const out: Record<string, EnabledProvider> = {};
    for (const entry of this.#catalog.list()) {
      if (!entry.spec.apiExport || entry.metadata.deletionTimestamp) continue;
      const binding = bindings.find((b) => this.#binds(b, entry));
      if (binding)
        out[entry.metadata.name ?? ''] = {
          bindingName: binding.metadata.name ?? '',
          phase: binding.status?.phase || 'Binding',
        };
    }
    return out;
  }

  async enable(
    caller: KubeClient,
    workspace: string,
    name: string,
    accepted: readonly AcceptedClaim[],
  ): Promise<EnableResult> {
    const entry = this.#provider(name);
    const ready = entry.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True')
      throw new StatusError({
        code: 503,
        reason: 'ServiceUnavailable',
        message: `provider "${name}" is not ready${ready?.message ? `: ${ready.message}` : ' yet'}`,
        details: { name, kind: 'providers', retryAfterSeconds: 5 },
      });
    const claims = this.#catalog.claimsOf(entry);
    const known = new Set(claims.map(claimId));
    const unknown = accepted.filter((c) => !known.has(claimId(c)));
    if (unknown.length > 0)
      throw new StatusError({
        code: 400,
        reason: 'BadRequest',
        message: `provider "${name}" makes no claim on ${unknown.map((c) => `${c.resource}.${c.group || 'core'}`).join(', ')}`,
        details: {
          causes: unknown.map((c) => ({
            reason: 'FieldValueNotSupported',
            field: 'acceptedClaims',
            message: `not a claim of ${name}: ${claimId(c)}`,
          })),
        },
      });

    const bindings = await this.#bindings(caller, workspace);
    const missing = (entry.spec.dependencies ?? []).filter((d) => {
      const dep = this.#catalog.get(d.name);
      return !dep || !bindings.some((b) => this.#binds(b, dep) && b.status?.phase === 'Bound');
    });
    if (missing.length > 0)
      throw conflictStatus(
        `provider "${name}" needs ${missing.map((d) => `"${d.name}"`).join(' and ')} enabled in ${workspace} first`,
        missing.map((d) => ({
          reason: 'DependencyNotEnabled',
          field: 'dependencies',
          message: d.name,
        })),
      );

    const acceptedIds = new Set(accepted.map(claimId));
    const permissionClaims: BindingPermissionClaim[] = claims.map((c: PermissionClaimSpec) => ({
      group: c.group ?? '',
      resource: c.resource,
      verbs: [...(c.verbs ?? [])],
      ...(c.identityHash ? { identityHash: c.identityHash } : {}),
      selector: { matchAll: true },
      state: acceptedIds.has(claimId(c)) ? 'Accepted' : 'Rejected',
    }));
    let binding = bindings.find((b) => this.#binds(b, entry));
    if (binding) {
      if (
        JSON.stringify(binding.spec.permissionClaims ?? []) !== JSON.stringify(permissionClaims)
      ) {
        binding = await caller
          .update<APIBinding>(BINDINGS, undefined, nameOf(binding), {
            ...binding,
            spec: { ...binding.spec, permissionClaims },
          })
          .catch((err) =>
            passOn(err, `cannot update APIBinding ${binding?.metadata.name} in ${workspace}`),
          );
      }
    } else {
      const other = bindings.find((b) => b.metadata.name === name);
      if (other)
        throw conflictStatus(
          `an APIBinding named "${name}" in ${workspace} binds ${other.spec.reference.export.path ?? ''}:${other.spec.reference.export.name}; delete it first`,
        );
      try {
        binding = await caller.create<APIBinding>(BINDINGS, undefined, {
          apiVersion: 'apis.kcp.io/v1alpha2',
          kind: 'APIBinding',
          metadata: { name },
          spec: {
            reference: { export: { path: exportPathOf(entry), name: entry.spec.apiExport.name } },
            permissionClaims,
          },
        });
      } catch (err) {
        if (isAlreadyExists(err))
          throw conflictStatus(
            `an APIBinding named "${name}" was created in ${workspace} meanwhile; try again`,
          );
        passOn(err, `cannot create APIBinding ${name} in ${workspace}`);
      }
    }
    const bound = await waitFor(
      caller,
      nameOf(binding),
      binding,
      (b) => b?.status?.phase === 'Bound',
      BOUND_TIMEOUT_MS,
    );
    if (!bound) {
      const conditions = (binding.status?.conditions ?? [])
        .filter((c) => c.status === 'False')
        .map((c) => `${c.type}: ${c.message || c.reason}`)
        .join('; ');
      throw new StatusError({
        code: 504,
        reason: 'Timeout',
        message: `APIBinding ${binding.metadata.name} in ${workspace} is not Bound after ${BOUND_TIMEOUT_MS / 1000} s${conditions ? ` (${conditions})` : ''}`,
      });
    }
    const state = (s: string) =>
      permissionClaims
        .filter((c) => c.state === s)
        .map((c) => ({ group: c.group, resource: c.resource }));
    return {
      provider: name,
      workspace,
      bindingName: nameOf(bound),
      phase: 'Bound',
      acceptedClaims: state('Accepted'),
      rejectedClaims: state('Rejected'),
    };
  }

  async disable(
    caller: KubeClient,
    workspace: string,
    name: string,
  ): Promise<{ removed: string[] }> {
    const entry = this.#provider(name);
    const bindings = (await this.#bindings(caller, workspace)).filter((b) => this.#binds(b, entry));
    for (const b of bindings) {
      await caller
        .delete(BINDINGS, undefined, nameOf(b))
        .catch((err) => passOn(err, `cannot delete APIBinding ${b.metadata.name} in ${workspace}`));
    }
    for (const b of bindings) {
      const gone = await waitFor(caller, nameOf(b), b, (x) => x === undefined, GONE_TIMEOUT_MS);
      if (gone !== undefined) continue;
      throw new StatusError({
        code: 504,
        reason: 'Timeout',
        message: `APIBinding ${b.metadata.name} in ${workspace} is still being removed with its objects after ${GONE_TIMEOUT_MS / 1000} s; it goes on, check again later`,
      });
    }
    return { removed: bindings.map((b) => nameOf(b)) };
  }
}

/**
 * Waits, watching as the caller, until `done(binding)` (undefined once deleted). Returns
 * the binding that satisfied it (or `null` for a deletion), undefined on timeout.
 */
async function waitFor(
  caller: KubeClient,
  name: string,
  start: APIBinding,
  done: (b: APIBinding | undefined) => boolean,
  timeoutMs: number,
): Promise<APIBinding | null | undefined> {
  const read = async () => {
    try {
      return await caller.get<APIBinding>(BINDINGS, undefined, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  let current: APIBinding | undefined = start;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (done(current)) return current ?? null;
    const next = await new Promise<APIBinding | undefined | 'gone' | 'ended'>((resolve) => {
      let settled = false;
      let abort: (() => void) | undefined;
      const finish = (v: APIBinding | undefined | 'gone' | 'ended') => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        abort?.();
        resolve(v);
      };
      const timer = setTimeout(() => finish('ended'), Math.max(0, deadline - Date.now()));
      caller
        .watch<APIBinding>(
          `/apis/${BINDINGS.group}/${BINDINGS.version}/${BINDINGS.plural}`,
          {
            fieldSelector: `metadata.name=${name}`,
            resourceVersion: current?.metadata.resourceVersion,
            allowWatchBookmarks: 'false',
          },
          (event) => {
            if (event.type === 'DELETED') finish('gone');
            else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
              if (done(event.object)) finish(event.object);
            } else if (event.type === 'ERROR') finish('ended');
          },
          () => finish('ended'),
        )
        .then(
          (a) => {
            abort = a;
            if (settled) a();
          },
          () => finish('ended'),
        );
    });
    if (next === 'gone') current = undefined;
    else if (next === 'ended') {
      // The watch could not start or ended early (a caller without `watch`, say): look, then wait a little.
      current = await read().catch((err) => passOn(err, `cannot read APIBinding ${name}`));
      if (!done(current)) await new Promise((r) => setTimeout(r, 250));
    } else current = next;
  }
  return done(current) ? (current ?? null) : undefined;
}
