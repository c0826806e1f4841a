/** A compact way for built-in resources to declare their ResourceType. */
import type { ResourceType, Strategy, Subresources, Verb } from '../registry/resource-type.ts';
import { ALL_VERBS } from '../registry/resource-type.ts';

export interface BuiltinDefinition {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly subresources?: Subresources;
  readonly verbs?: readonly Verb[];
  readonly strategy: Strategy;
}

export function builtin(def: BuiltinDefinition): ResourceType {
  return {
    group: def.group,
    versions: [def.version],
    storageVersion: def.version,
    names: {
      plural: def.plural,
      singular: def.singular,
      kind: def.kind,
      listKind: `${def.kind}List`,
      ...(def.shortNames ? { shortNames: def.shortNames } : {}),
      ...(def.categories ? { categories: def.categories } : {}),
    },
    namespaced: def.namespaced,
    verbs: def.verbs ?? ALL_VERBS,
    subresources: def.subresources ?? {},
    strategy: def.strategy,
  };
}
