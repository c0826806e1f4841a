/**
 * `canopy providers list|enable|disable`: the portal's catalog and Enable/Disable buttons
 * from a terminal. It calls the hub's HTTP API (`src/hub/README.md`) with the kubeconfig's
 * credentials (a bearer token) and the workspace of its current context, so the hub acts as
 * the caller, exactly as for the portal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parsePermissionClaim, splitList } from './plugins/bind.ts';
import { type EffectiveConfig, effectiveConfig, withWorkspace } from './plugins/client-config.ts';
import { kubeconfigSource, loadKubeconfig } from './plugins/kubeconfig-files.ts';
import { parseClusterURL } from './plugins/paths.ts';
import { connect, expectOk, type Transport } from './plugins/transport.ts';

interface CommonFlags {
  kubeconfig?: string;
  context?: string;
  workspace?: string;
  hubUrl?: string;
  certificateAuthority?: string;
}

interface Claim {
  group: string;
  resource: string;
  verbs: string[];
  tenantScoped: boolean;
}

interface Provider {
  name: string;
  displayName: string;
  category: string;
  ready: boolean;
  builtin: boolean;
  apiExportPath: string;
  apiExportName: string;
  permissionClaims: Claim[];
  dependencies: { name: string }[];
}

/** `secrets.core`, `widgets.example.com`: a claim as kcp's bind plugin spells it. */
export function claimName(c: { group: string; resource: string }): string {
  return `${c.resource}.${c.group || 'core'}`;
}

/** The hub's URL: the flag, $CANOPY_HUB_URL, or the hub-url file `canopy up`/`canopy start` write. */
function hubUrl(flags: CommonFlags): string {
  if (flags.hubUrl) return flags.hubUrl;
  if (process.env.CANOPY_HUB_URL) return process.env.CANOPY_HUB_URL;
  const file = join(process.env.CANOPY_DATA_DIR ?? '.canopy', 'hub-url');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw new Error(
    `no hub URL: pass --hub-url, set CANOPY_HUB_URL, or run this where ${file} is (canopy up and canopy start write it)`,
  );
}

interface Session {
  readonly hub: Transport;
  /** The workspace path the command acts in. */
  readonly workspace: string;
}

async function session(flags: CommonFlags): Promise<Session> {
  const loaded = loadKubeconfig(kubeconfigSource(flags.kubeconfig, process.env, homedir()));
  // kubectl's own words here name KUBERNETES_MASTER, which nothing of Canopy reads.
  if (loaded.merged.clusters.length === 0)
    throw new Error(
      `no kubeconfig with a cluster in ${loaded.source.files.join(', ')}: pass --kubeconfig or set KUBECONFIG to a kubeconfig with a token (canopy up and canopy start write .canopy/admin.kubeconfig)`,
    );
  let config: EffectiveConfig = effectiveConfig(loaded.merged, {
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.certificateAuthority ? { certificateAuthority: flags.certificateAuthority } : {}),
  });
  config = withWorkspace(config, flags.workspace);
  const workspace = parseClusterURL(config.host)?.path;
  if (!workspace)
    throw new Error(
      `the kubeconfig's server ${config.host} names no workspace (…/clusters/<path>); pass --workspace :root:…`,
    );
  if (!config.user.token && !config.user.tokenFile)
    throw new Error(
      'the hub authenticates callers by bearer token and this kubeconfig user has none; use a kubeconfig with a token',
    );
  return {
    hub: await connect(config, hubUrl(flags), { userAgent: 'canopy-providers' }),
    workspace,
  };
}

const pad = (rows: string[][]) => {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
};

function withCommonFlags(cmd: Command): Command {
  return cmd
    .option(
      '--kubeconfig <file>',
      'kubeconfig whose current context is used (default: $KUBECONFIG)',
    )
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option(
      '-w, --workspace <path>',
      'workspace to act in (default: the context’s; :root:… is absolute)',
    )
    .option('--hub-url <url>', 'the hub (default: $CANOPY_HUB_URL, else .canopy/hub-url)')
    .option('--certificate-authority <file>', 'CA of the hub (default: the kubeconfig’s)');
}

async function run(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (err) {
    process.stderr.write(`canopy providers: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

export function registerProviders(program: Command): void {
  const providers = program
    .command('providers')
    .description(
      'the provider catalog of the hub: list providers, enable or disable one in a workspace',
    );

  withCommonFlags(providers.command('list'))
    .description('list the catalog, and which providers the workspace has enabled')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((flags: CommonFlags & { output: string }) =>
      run(async () => {
        const { hub, workspace } = await session(flags);
        const catalog = expectOk<{ items: Provider[] }>(await hub.request('GET', '/api/providers'));
        const enabled = expectOk<Record<string, { bindingName: string; phase: string }>>(
          await hub.request('GET', `/api/workspaces/${workspace}/providers/enabled`),
        );
        if (flags.output === 'json') {
          process.stdout.write(
            `${JSON.stringify({ workspace, items: catalog.items, enabled }, null, 2)}\n`,
          );
          return;
        }
        if (catalog.items.length === 0) {
          process.stdout.write('No providers in the catalog.\n');
          return;
        }
        const rows = [
          ['NAME', 'DISPLAY NAME', 'CATEGORY', 'READY', `ENABLED IN ${workspace}`, 'CLAIMS'],
        ];
        for (const p of catalog.items) {
          const state = enabled[p.name];
          rows.push([
            p.name,
            p.displayName,
            p.category || '-',
            p.ready ? 'True' : 'False',
            state ? (state.phase === 'Bound' ? 'yes' : state.phase) : 'no',
            p.permissionClaims.map(claimName).join(',') || '-',
          ]);
        }
        process.stdout.write(`${pad(rows)}\n`);
      }),
    );

  withCommonFlags(providers.command('enable').argument('<name>', 'the provider'))
    .description(
      'enable a provider in the workspace (an APIBinding made as you, waited for until Bound)',
    )
    .option(
      '--accept-permission-claim <claims>',
      'claims to accept, <resource>.<group> (core for the core group), comma-separated or repeated; the others are rejected',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--accept-all-claims', 'accept every claim the provider makes')
    .action(
      (
        name: string,
        flags: CommonFlags & { acceptPermissionClaim: string[]; acceptAllClaims?: boolean },
      ) =>
        run(async () => {
          const { hub, workspace } = await session(flags);
          let accepted = splitList(flags.acceptPermissionClaim).map((c) => {
            const { group, resource } = parsePermissionClaim(c.trim(), 'Accepted');
            return { group, resource };
          });
          if (flags.acceptAllClaims) {
            const catalog = expectOk<{ items: Provider[] }>(
              await hub.request('GET', '/api/providers'),
            );
            const p = catalog.items.find((i) => i.name === name);
            accepted = (p?.permissionClaims ?? []).map((c) => ({
              group: c.group,
              resource: c.resource,
            }));
          }
          process.stdout.write(`Enabling ${name} in ${workspace} ...\n`);
          const r = expectOk<{
            bindingName: string;
            acceptedClaims: { group: string; resource: string }[];
            rejectedClaims: { group: string; resource: string }[];
          }>(
            await hub.request(
              'POST',
              `/api/workspaces/${workspace}/providers/${encodeURIComponent(name)}/enable`,
              {
                acceptedClaims: accepted,
              },
            ),
          );
          const list = (cs: { group: string; resource: string }[]) =>
            cs.map(claimName).join(', ') || 'none';
          process.stdout.write(
            `${name} is enabled in ${workspace} (APIBinding ${r.bindingName}, Bound). Claims accepted: ${list(r.acceptedClaims)}; rejected: ${list(r.rejectedClaims)}.\n`,
          );
        }),
    );

  withCommonFlags(providers.command('disable').argument('<name>', 'the provider'))
    .description(
      'disable a provider in the workspace: its bindings go, and the objects they brought',
    )
    .action((name: string, flags: CommonFlags) =>
      run(async () => {
        const { hub, workspace } = await session(flags);
        const r = expectOk<{ removed: string[] }>(
          await hub.request(
            'POST',
            `/api/workspaces/${workspace}/providers/${encodeURIComponent(name)}/disable`,
            {},
          ),
        );
        process.stdout.write(
          r.removed.length === 0
            ? `${name} was not enabled in ${workspace}.\n`
            : `${name} is disabled in ${workspace} (removed APIBinding ${r.removed.join(', ')}).\n`,
        );
      }),
    );
}
