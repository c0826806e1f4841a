/**
 * The APIExport controller: gives every export its identity — a Secret holding a random
 * key (kcp-system/<export> unless the export names one) whose SHA-256 becomes
 * status.identityHash and keys the storage of bound objects — and its endpoint slice of
 * the same name, unless the export opts out. The hash is recomputed from the Secret on
 * every reconcile, so a forged one does not stay.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  type APIExport,
  ENDPOINT_SLICES_GVR,
  EXPORTS_GVR,
  IDENTITY_KEY,
  IDENTITY_NAMESPACE,
  SKIP_ENDPOINT_SLICE_ANNOTATION,
} from '../../../api/apis/types.ts';
import { NAMESPACES_GVR } from '../../../api/core/types.ts';
import { setCondition } from '../../../apimachinery/conditions.ts';
import { type Condition, nameOf } from '../../../apimachinery/meta.ts';
import type { Client } from '../../../apiserver/client.ts';
import { WorkQueue } from '../../../controller/work-queue.ts';
import type { Logger } from '../../../logging/logger.ts';
import { parseObjectKey } from '../../../storage/keys.ts';
import type { ApiIndex } from '../../api-index.ts';

const SECRETS = { group: '', version: 'v1', resource: 'secrets' };

/** The public hash of an identity key (the bytes of the Secret's `key`). */
export function identityHash(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex');
}

export class ApiExportController {
  private readonly client: Client;
  private readonly index: ApiIndex;
  private readonly logger: Logger;
  readonly queue: WorkQueue;

  constructor(client: Client, index: ApiIndex, logger: Logger) {
    this.client = client;
    this.index = index;
    this.logger = logger;
    this.queue = new WorkQueue((k) => this.reconcile(k), {
      name: 'apiexport',
      logger,
      concurrency: 4,
    });
    index.exports.onEvent((e) => {
      if (e.object) this.queue.add(e.key);
    });
  }

  resync(): void {
    for (const [k] of this.index.exports.entries()) this.queue.add(k);
  }

  private async reconcile(key: string): Promise<undefined> {
    const exp = this.index.exports.get(key);
    if (!exp || exp.metadata.deletionTimestamp) return undefined;
    const { cluster } = parseObjectKey(key);
    const name = nameOf(exp);
    const hash = await this.identity(cluster, exp);
    const status = exp.status ?? {};
    const conditions: Condition[] = structuredClone(status.conditions ?? []);
    if (hash === undefined) {
      const ref = exp.spec.identity?.secretRef;
      setCondition(conditions, {
        type: 'IdentityValid',
        status: 'False',
        reason: 'IdentityVerificationFailed',
        message: `the identity secret ${ref?.namespace}/${ref?.name} does not exist`,
      });
    } else {
      setCondition(conditions, {
        type: 'IdentityValid',
        status: 'True',
        reason: 'Valid',
        message: '',
      });
    }
    // The hash is always the Secret's: one written by anyone else (another provider's,
    // to read its tenants) is overwritten, and without the Secret there is no identity.
    if (status.identityHash && status.identityHash !== hash) {
      this.logger.warn(
        { cluster, export: name, was: status.identityHash, secret: hash ?? null },
        'status.identityHash does not match the identity secret; replacing it',
      );
    }
    const { identityHash: _was, ...rest } = status;
    const next = { ...rest, ...(hash ? { identityHash: hash } : {}), conditions };
    if (JSON.stringify(next) !== JSON.stringify(status)) {
      await this.client
        .resource(cluster, EXPORTS_GVR)
        .modify(name, (cur) => ({ ...cur, status: next }), 'status');
    }
    if (exp.metadata.annotations?.[SKIP_ENDPOINT_SLICE_ANNOTATION] !== 'true')
      await this.endpointSlice(cluster, exp);
    return undefined;
  }

  /**
   * The identity key's hash. Without a `spec.identity.secretRef`, as kcp: the default Secret
   * (and its namespace) is made and the export's spec points to it. A reference to a
   * Secret that does not exist gives undefined: an identity is never made up for it.
   */
  private async identity(cluster: string, exp: APIExport): Promise<string | undefined> {
    const ref = exp.spec?.identity?.secretRef;
    const namespace = ref?.namespace || IDENTITY_NAMESPACE;
    const name = ref?.name || nameOf(exp);
    const secrets = this.client.resource(cluster, SECRETS, namespace);
    let secret = await secrets.find(name);
    if (!secret && ref?.name) return undefined;
    if (!secret) {
      await this.client
        .resource(cluster, NAMESPACES_GVR)
        .createIfAbsent({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      secret =
        (await secrets.createIfAbsent({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace },
          type: 'Opaque',
          data: { [IDENTITY_KEY]: randomBytes(32).toString('base64') },
        })) ?? (await secrets.get(name));
    }
    if (!ref?.name) {
      await this.client.resource(cluster, EXPORTS_GVR).modify(nameOf(exp), (cur) => ({
        ...cur,
        spec: { ...(cur.spec as object), identity: { secretRef: { namespace, name } } },
      }));
    }
    const data = (secret.data ?? {}) as Record<string, string>;
    return identityHash(Buffer.from(data[IDENTITY_KEY] ?? '', 'base64'));
  }

  private async endpointSlice(cluster: string, exp: APIExport): Promise<void> {
    await this.client.resource(cluster, ENDPOINT_SLICES_GVR).createIfAbsent({
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIExportEndpointSlice',
      metadata: {
        name: nameOf(exp),
        ownerReferences: [
          {
            apiVersion: 'apis.kcp.io/v1alpha2',
            kind: 'APIExport',
            name: nameOf(exp),
            uid: exp.metadata.uid as string,
          },
        ],
      },
      spec: { export: { name: nameOf(exp) } },
    });
  }

  stop(): void {
    this.queue.stop();
  }
}
