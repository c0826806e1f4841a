/**
 * `kubectl kcp claims get apibinding [name]`: the permission claims of one APIBinding (or
 * of all in the current workspace) and their state, as a table.
 */
import { openSession, type PluginContext, requireWorkspace } from './context.ts';
import { type APIBinding, APIS_GROUP } from './kcp-api.ts';

/**
 * text/tabwriter as kubectl configures it (minwidth 6, padding 3, spaces): every column
 * but the last padded to its widest cell plus three.
 */
export function tabwrite(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i === row.length - 1) return;
      widths[i] = Math.max(widths[i] ?? 0, Math.max(6, [...cell].length + 3));
    });
  }
  return rows
    .map(
      (row) =>
        `${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('')}\n`,
    )
    .join('');
}

/** schema.GroupResource.String(). */
function groupResource(group: string | undefined, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function claimsTable(bindings: readonly APIBinding[], version: string): string {
  const withVerbs = version !== 'v1alpha1';
  const rows: string[][] = [
    withVerbs
      ? ['APIBINDING', 'GROUP-RESOURCE', 'VERBS', 'STATUS']
      : ['APIBINDING', 'GROUP-RESOURCE', 'STATUS'],
  ];
  for (const binding of bindings) {
    for (const claim of binding.spec?.permissionClaims ?? []) {
      const gr = groupResource(claim.group, claim.resource);
      const state = claim.state ?? '';
      rows.push(
        withVerbs
          ? [binding.metadata.name, gr, (claim.verbs ?? []).join(','), state]
          : [binding.metadata.name, gr, state],
      );
    }
  }
  return tabwrite(rows);
}

export async function getClaims(
  ctx: PluginContext,
  name: string | undefined,
  options: { workspace?: string } = {},
): Promise<void> {
  const session = await openSession(ctx, options.workspace);
  const current = requireWorkspace(session, 'does not point to workspace');
  let version: string;
  try {
    version = await session.client.preferredVersion(current.path, APIS_GROUP, 'apibindings');
  } catch (err) {
    throw new Error(`service discovery failed: ${(err as Error).message}`);
  }
  let bindings: APIBinding[];
  if (name) {
    try {
      bindings = [await session.client.getAPIBinding(current.path, version, name)];
    } catch (err) {
      throw new Error(`error finding APIBinding: ${(err as Error).message}`);
    }
  } else {
    try {
      bindings = await session.client.listAPIBindings(current.path, version);
    } catch (err) {
      throw new Error(
        `error listing APIBindings in ${JSON.stringify(current.path)} workspace: ${(err as Error).message}`,
      );
    }
  }
  ctx.io.out(claimsTable(bindings, version));
}
