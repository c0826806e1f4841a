/**
 * First-party providers compiled into Canopy (kedge's BuiltinSpec). The hub writes the
 * CatalogEntries of those it is told to run (`--builtin-providers`) at start-up, labelled
 * `providers.kedge.faros.sh/builtin=true`, and removes the entries of built-ins no longer
 * enabled; `GET /api/providers` marks them `builtin`.
 */
import type { CatalogEntrySpec } from '../../api/providers/types.ts';
import { postgresql } from './postgresql.ts';

export interface BuiltinProvider {
  /** The CatalogEntry's name. */
  readonly name: string;
  readonly spec: CatalogEntrySpec;
}

export const BUILTIN_PROVIDERS: readonly BuiltinProvider[] = [postgresql];

/** The built-ins named in a `--builtin-providers` value; unknown names are an error. */
export function builtinsNamed(names: readonly string[]): BuiltinProvider[] {
  const known = new Map(BUILTIN_PROVIDERS.map((b) => [b.name, b]));
  return [...new Set(names)].map((n) => {
    const b = known.get(n);
    if (!b)
      throw new Error(
        `unknown built-in provider ${JSON.stringify(n)}; the built-in providers are: ${[...known.keys()].join(', ')}`,
      );
    return b;
  });
}
