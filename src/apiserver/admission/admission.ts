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
  /** Warnings for the client (`Warning` headers), which plugins may add to. */
  readonly warnings: string[];
}

export interface AdmissionPlugin {
  readonly name: string;
  /** May change `request.object` in place. */
  admit?(request: AdmissionRequest): void | Promise<void>;
  /** Throws a StatusError to refuse. */
  validate?(request: AdmissionRequest): void | Promise<void>;
}

/**
 * The plugins of one server. Given an order (the server's is `server/admission-order.ts`),
 * a plugin runs at its place in that order whenever it was added, and one not in the order
 * is refused; without one (unit tests), plugins run in the order they were added.
 */
export class AdmissionChain {
  readonly #plugins: AdmissionPlugin[] = [];
  readonly #order: readonly string[] | undefined;

  constructor(order?: readonly string[]) {
    this.#order = order;
  }

  add(plugin: AdmissionPlugin): void {
    const order = this.#order;
    if (!order) {
      this.#plugins.push(plugin);
      return;
    }
    const rank = order.indexOf(plugin.name);
    if (rank < 0)
      throw new Error(
        `admission plugin ${plugin.name} is not in the server's admission order; add it to src/server/admission-order.ts`,
      );
    if (this.#plugins.some((p) => p.name === plugin.name))
      throw new Error(`admission plugin ${plugin.name} was added twice`);
    const at = this.#plugins.findIndex((p) => order.indexOf(p.name) > rank);
    if (at < 0) this.#plugins.push(plugin);
    else this.#plugins.splice(at, 0, plugin);
  }

  /** The plugins' names, in the order they run. */
  get names(): string[] {
    return this.#plugins.map((p) => p.name);
  }

  async admit(request: AdmissionRequest): Promise<void> {
    for (const p of this.#plugins) if (p.admit) await p.admit(request);
  }

  async validate(request: AdmissionRequest): Promise<void> {
    for (const p of this.#plugins) if (p.validate) await p.validate(request);
  }
}
