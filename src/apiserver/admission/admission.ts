/**
 * Admission: plugins that see every write after defaulting and before storage. Mutating
 * plugins run first and may change the object; validating plugins then accept or refuse
 * it by throwing a StatusError. The chain is assembled once per server.
 */
import type { KubeObject } from '../../apimachinery/meta.ts';
import type { Subresource } from '../registry/resource-type.ts';
import type { Scope } from '../rest/scope.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  readonly operation: Operation;
  readonly scope: Scope;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly subresource: Subresource;
  /** The object being written (absent for DELETE). */
  readonly object: KubeObject | undefined;
  /** The stored object (UPDATE and DELETE). */
  readonly oldObject: KubeObject | undefined;
  readonly dryRun: boolean;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** May change `request.object` in place. */
  admit?(request: AdmissionRequest): void | Promise<void>;
  /** Throws a StatusError to refuse. */
  validate?(request: AdmissionRequest): void | Promise<void>;
}

export class AdmissionChain {
  private readonly plugins: AdmissionPlugin[];

  constructor(plugins: AdmissionPlugin[] = []) {
    this.plugins = plugins;
  }

  add(plugin: AdmissionPlugin): void {
    this.plugins.push(plugin);
  }

  async admit(request: AdmissionRequest): Promise<void> {
    for (const p of this.plugins) if (p.admit) await p.admit(request);
  }

  async validate(request: AdmissionRequest): Promise<void> {
    for (const p of this.plugins) if (p.validate) await p.validate(request);
  }
}
