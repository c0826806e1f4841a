/**
 * `kubectl ws` (also `kubectl kcp workspace`) and `kubectl create workspace`: a
 * kubeconfig editor with existence checks, following kcp's plugin in arguments, checks,
 * messages and kubeconfig edits. Works against any server that serves the kcp APIs.
 */
import type { Kubeconfig } from '../../apimachinery/kubeconfig.ts';
import { parseLabelSelector } from '../../apimachinery/labels.ts';
import { joinPath, splitPath } from '../../apimachinery/logicalcluster.ts';
import type { LabelSelector } from '../../apimachinery/meta.ts';
import { effectiveConfig } from './client-config.ts';
import { openSession, type PluginContext, requireWorkspace, type Session } from './context.ts';
import {
  type APIBinding,
  claimString,
  KcpClient,
  TENANCY,
  typeString,
  type Workspace,
  type WorkspaceTypeReference,
} from './kcp-api.ts';
import { CURRENT, createContext, enterWorkspace, swapWorkspaces } from './kubeconfig-edit.ts';
import {
  baseName,
  clusterURL,
  hasPathPrefix,
  isValidPath,
  parseClusterURL,
  ROOT,
  resolveAgainst,
  topOf,
} from './paths.ts';
import { isAlreadyExists, isForbidden, isNotFound } from './transport.ts';

// ---------------------------------------------------------------------------------------
// Printing the current workspace

function currentWorkspaceMessage(
  host: string,
  short: boolean,
  type?: WorkspaceTypeReference,
): string {
  const parsed = parseClusterURL(host);
  if (!parsed) return short ? '' : `Current workspace is the URL ${JSON.stringify(host)}.\n`;
  if (short) return `${parsed.path}\n`;
  const typed = type ? ` (type ${typeString(type)})` : '';
  return `Current workspace is '${parsed.path}'${typed}.\n`;
}

/** `kubectl ws current [--short]` and `kubectl ws .`. */
export async function currentWorkspace(
  ctx: PluginContext,
  options: { short?: boolean },
): Promise<void> {
  const config = effectiveConfig(ctx.store.load(), ctx.overrides);
  ctx.io.out(currentWorkspaceMessage(config.host, options.short === true));
}

// ---------------------------------------------------------------------------------------
// kubectl ws use

export interface UseOptions {
  readonly short?: boolean;
}

/**
 * `kubectl ws use <arg>` / `kubectl ws <arg>`: `-` swaps with the previous workspace, `:`
 * goes to the top of the current tree, `.` prints the current one, `~` (or no argument)
 * goes home; a leading `:` is absolute, anything else relative; `..` goes up.
 */
export async function useWorkspace(
  ctx: PluginContext,
  arg: string,
  options: UseOptions = {},
): Promise<void> {
  const short = options.short === true;
  let name = arg;
  const home = ctx.homeDir();
  if (home && name.startsWith(home)) name = `~${name.slice(home.length)}`;
  name = name.replaceAll('/', ':');
  if (name === ROOT || (name.startsWith(`${ROOT}:`) && !short)) {
    name = `:${name}`;
    ctx.io.err(
      "Note: Using 'root:' to define an absolute path is no longer supported. Instead, use ':root' to specify an absolute path.\n",
    );
  }
  let homeNote = false;
  if (name === '') {
    homeNote = !short;
    name = '~';
  }

  const config = ctx.store.load();
  const contextName = ctx.overrides.context || config['current-context'];
  if (!config.contexts.some((c) => c.name === contextName)) {
    throw new Error(`current ${JSON.stringify(contextName)} context not found`);
  }

  if (name === '-') {
    const swapped = swapWorkspaces(config, contextName);
    ctx.store.save(swapped.config);
    await warnAboutClaims(ctx, swapped.config, swapped.server);
    ctx.io.out(currentWorkspaceMessage(swapped.server, short));
    return;
  }
  if (name === '.') {
    ctx.io.out(currentWorkspaceMessage(effectiveConfig(config, ctx.overrides).host, short));
    return;
  }

  const session = await openSession(ctx);
  if (name === ':') {
    const current = requireWorkspace(session);
    await commit(ctx, config, contextName, clusterURL(current.base, topOf(current.path)), short);
    return;
  }
  if (name === '~' || name.startsWith('~:')) {
    name = `:${await homePath(session.client)}${name.slice(1)}`;
  }

  const current = requireWorkspace(session);
  const path = resolveAgainst(current.path, name);
  if (!isValidPath(path)) throw new Error(`invalid workspace path: ${arg}`);

  // Discovery decides access; the Workspace object in the parent tells "not found" apart
  // (a 403 on the parent is no obstacle: one may be allowed in without seeing the parent).
  const denied = await session.client.discoveryDenied(path);
  let type: WorkspaceTypeReference | undefined;
  let notFound = false;
  if (path === ROOT) {
    type = { name: ROOT };
  } else {
    const [parent, wsName] = splitPath(path);
    if (parent !== '') {
      try {
        type = (await session.client.getWorkspace(parent, wsName)).spec?.type;
      } catch (err) {
        if (isNotFound(err)) notFound = true;
      }
    }
  }
  if (denied && notFound) throw new Error(`workspace ${JSON.stringify(path)} not found`);
  if (denied) throw new Error(`access to workspace ${JSON.stringify(path)} denied`);

  await commit(ctx, config, contextName, clusterURL(current.base, path), short, type);
  if (homeNote) {
    ctx.io.err(
      "Note: 'kubectl ws' now matches 'cd' semantics: go to home workspace. 'kubectl ws -' to go back. 'kubectl ws .' to print current workspace.\n",
    );
  }
}

async function commit(
  ctx: PluginContext,
  config: Kubeconfig,
  contextName: string,
  server: string,
  short: boolean,
  type?: WorkspaceTypeReference,
): Promise<void> {
  const next = enterWorkspace(config, contextName, server);
  ctx.store.save(next);
  await warnAboutClaims(ctx, next, server);
  ctx.io.out(currentWorkspaceMessage(server, short, type));
}

/** The home workspace's path, from the synthetic `~` Workspace in root. */
async function homePath(client: KcpClient): Promise<string> {
  const home = await client.getWorkspace(ROOT, '~');
  const url = home.spec?.URL ?? '';
  const parsed = parseClusterURL(url);
  if (!parsed) throw new Error(`invalid home workspace URL ${JSON.stringify(url)}`);
  return parsed.path;
}

/**
 * After switching, kcp's plugin warns about APIBindings in the new workspace whose
 * export claims are not specified, not accepted or rejected, or differ in verbs.
 */
async function warnAboutClaims(
  ctx: PluginContext,
  config: Kubeconfig,
  server: string,
): Promise<void> {
  const target = parseClusterURL(server);
  if (!target) return;
  let bindings: APIBinding[];
  try {
    const eff = effectiveConfig(config, { ...ctx.overrides, context: CURRENT, server: undefined });
    const client = new KcpClient(await ctx.connect(eff, target.base));
    bindings = await client.listAPIBindings(target.path, 'v1alpha2');
  } catch (err) {
    // Not allowed to see bindings, or no apis.kcp.io here: nothing to report.
    if (isForbidden(err) || isNotFound(err)) return;
    ctx.io.err(`error checking APIBindings: ${(err as Error).message}\n`);
    return;
  }
  ctx.io.err(unresolvedClaimWarnings(bindings));
}

/** The warnings for claims an APIBinding leaves unresolved. */
export function unresolvedClaimWarnings(bindings: readonly APIBinding[]): string {
  let out = '';
  for (const binding of bindings) {
    const name = binding.metadata.name;
    for (const exported of binding.status?.exportPermissionClaims ?? []) {
      const spec = (binding.spec?.permissionClaims ?? []).find(
        (c) =>
          (c.group ?? '') === (exported.group ?? '') &&
          c.resource === exported.resource &&
          (c.identityHash ?? '') === (exported.identityHash ?? ''),
      );
      const what = claimString(exported);
      if (!spec) {
        out += `Warning: claim for ${what} exported but not specified on APIBinding ${name}\nAdd this claim to the APIBinding's Spec.\n`;
        continue;
      }
      if (spec.state !== 'Accepted' && spec.state !== 'Rejected') {
        out += `Warning: claim for ${what} specified on APIBinding ${name} but not accepted or rejected.\n`;
      }
      const expected = new Set(exported.verbs ?? []);
      const actual = new Set(spec.verbs ?? []);
      const same = expected.size === actual.size && [...expected].every((v) => actual.has(v));
      if (!same) {
        out += `Warning: allowed verbs (${[...actual].join(',')}) on claim for ${what} on APIBinding ${name} do not match expected verbs (${[...expected].join(',')}).\n`;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// kubectl ws tree

interface TreeNode {
  readonly name: string;
  readonly children: readonly TreeNode[];
}

/** Renders like github.com/xlab/treeprint under a `.` root. */
export function renderTree(root: TreeNode): string {
  const lines = ['.'];
  const walk = (nodes: readonly TreeNode[], prefix: string) => {
    nodes.forEach((node, i) => {
      const last = i === nodes.length - 1;
      lines.push(`${prefix}${last ? '└──' : '├──'} ${node.name}`);
      walk(node.children, prefix + (last ? '    ' : '│   '));
    });
  };
  walk([root], '');
  return `${lines.join('\n')}\n`;
}

/** `kubectl ws tree [--full]`: the tree below the current workspace, one LIST per workspace. */
export async function workspaceTree(
  ctx: PluginContext,
  options: { full?: boolean; workspace?: string },
): Promise<void> {
  const session = await openSession(ctx, options.workspace);
  let current = session.current?.path;
  if (!current) {
    ctx.io.err(
      `Warning: current context URL ${JSON.stringify(session.config.host)} does not point directly to a kcp workspace (may be a mount). Showing tree from root.\n`,
    );
    current = ROOT;
  }
  const full = options.full === true;
  const rootName = full ? current : baseName(current);
  const children = await treeBranch(session, current, rootName, full);
  // kcp prints the tree with Println, so the output ends in an empty line.
  ctx.io.out(`${renderTree({ name: rootName, children })}\n`);
}

async function treeBranch(
  session: Session,
  parent: string,
  parentName: string,
  full: boolean,
): Promise<TreeNode[]> {
  let workspaces: Workspace[];
  try {
    workspaces = await session.client.listWorkspaces(parent);
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const live = workspaces.filter((ws) => !ws.metadata.deletionTimestamp);
  return Promise.all(
    live.map(async (ws): Promise<TreeNode> => {
      const name = full ? `${parentName}:${ws.metadata.name}` : ws.metadata.name;
      const url = ws.spec?.URL ?? '';
      const parsed = parseClusterURL(url);
      if (!parsed) {
        if (ws.spec?.mount) return { name: `${name} [mount]`, children: [] };
        // Not yet scheduled (no URL): it has no children yet either.
        if (url === '') return { name, children: [] };
        throw new Error(
          `current config context URL ${JSON.stringify(url)} does not point to workspace`,
        );
      }
      return { name, children: await treeBranch(session, parsed.path, name, full) };
    }),
  );
}

// ---------------------------------------------------------------------------------------
// kubectl ws create-context

export async function createContextCommand(
  ctx: PluginContext,
  name: string | undefined,
  options: { overwrite?: boolean },
): Promise<void> {
  const config = ctx.store.load();
  const eff = effectiveConfig(config, ctx.overrides);
  const parsed = parseClusterURL(eff.cluster.server);
  if (!parsed) {
    throw new Error(
      `current URL ${JSON.stringify(eff.cluster.server)} does not point to a workspace`,
    );
  }
  const result = createContext(config, {
    fromContext: eff.contextName,
    name: name || parsed.path,
    overwrite: options.overwrite === true,
    keepCurrent: false,
  });
  ctx.store.save(result.config);
  ctx.io.out(result.message);
}

// ---------------------------------------------------------------------------------------
// kubectl create workspace

export interface CreateWorkspaceOptions {
  readonly type?: string;
  readonly enter?: boolean;
  readonly ignoreExisting?: boolean;
  readonly locationSelector?: string;
  readonly createContext?: string;
  readonly workspace?: string;
  /** How long to wait for Ready. Default one minute. */
  readonly readyTimeoutMs?: number;
}

/** metav1.ParseToLabelSelector. */
export function parseToLabelSelector(text: string): LabelSelector {
  const parsed = parseLabelSelector(text);
  const selector: LabelSelector = {};
  for (const req of parsed.requirements) {
    switch (req.operator) {
      case '=':
      case '==':
        selector.matchLabels = { ...selector.matchLabels, [req.key]: req.values[0] ?? '' };
        break;
      case 'in':
      case 'notin':
      case '!=':
        selector.matchExpressions = [
          ...(selector.matchExpressions ?? []),
          {
            key: req.key,
            operator: req.operator === 'in' ? 'In' : 'NotIn',
            values: [...req.values],
          },
        ];
        break;
      case 'exists':
      case '!':
        selector.matchExpressions = [
          ...(selector.matchExpressions ?? []),
          { key: req.key, operator: req.operator === 'exists' ? 'Exists' : 'DoesNotExist' },
        ];
        break;
      default:
        throw new Error(`${JSON.stringify(req.operator)} isn't supported in label selectors`);
    }
  }
  return selector;
}

/** `--type name` or `--type path:name`, lower-cased. */
export function parseWorkspaceType(type: string): WorkspaceTypeReference {
  const i = type.lastIndexOf(':');
  return i < 0
    ? { name: type.toLowerCase() }
    : { name: type.slice(i + 1).toLowerCase(), path: type.slice(0, i) };
}

export async function createWorkspace(
  ctx: PluginContext,
  name: string,
  options: CreateWorkspaceOptions = {},
): Promise<void> {
  let location: LabelSelector | undefined;
  if (options.locationSelector) {
    try {
      location = parseToLabelSelector(options.locationSelector);
    } catch (err) {
      throw new Error(`invalid location selector: ${(err as Error).message}`);
    }
  }
  const session = await openSession(ctx, options.workspace);
  const current = requireWorkspace(session);
  const type = options.type ? parseWorkspaceType(options.type) : undefined;
  if (options.ignoreExisting && options.type && !hasPathPrefix(options.type, ROOT)) {
    throw new Error('--ignore-existing must not be used with non-absolute type path');
  }

  const body: Workspace = {
    apiVersion: TENANCY,
    kind: 'Workspace',
    metadata: { name },
    spec: {
      ...(type ? { type } : {}),
      ...(location ? { location: { selector: location } } : {}),
    },
  };
  let preExisting = false;
  let ws: Workspace;
  try {
    ws = await session.client.createWorkspace(current.path, body);
  } catch (err) {
    if (!(isAlreadyExists(err) && options.ignoreExisting)) throw err;
    preExisting = true;
    ws = await session.client.getWorkspace(current.path, name);
  }

  const readyTimeout = options.readyTimeoutMs ?? 60_000;
  const actualType = ws.spec?.type;
  const ref = `Workspace ${JSON.stringify(name)}${actualType ? ` (type ${typeString(actualType)})` : ''}`;
  const ready = () => ws.status?.phase === 'Ready';
  if (preExisting) {
    if (
      type &&
      actualType &&
      ((actualType.name !== '' && actualType.name !== type.name) ||
        (actualType.path ?? '') !== (type.path ?? ''))
    ) {
      throw new Error(
        `workspace ${JSON.stringify(name)} cannot be created with type ${typeString(type)}, it already exists with different type ${typeString(actualType)}`,
      );
    }
    ctx.io.out(
      !ready() && readyTimeout > 0
        ? `${ref} already exists. Waiting for it to be ready...\n`
        : `${ref} already exists.\n`,
    );
  } else if (!ready() && readyTimeout > 0) {
    ctx.io.out(`${ref} created. Waiting for it to be ready...\n`);
  } else if (!ready()) {
    throw new Error(`${ref} created but is not ready to use`);
  }

  // The object may take a moment to show up (kcp serves it from an informer cache).
  await poll(ctx, 100, 5_000, `workspace ${JSON.stringify(name)} to be visible`, async () => {
    try {
      await session.client.getWorkspace(current.path, name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  });
  if (!ready()) {
    await poll(
      ctx,
      500,
      readyTimeout,
      `workspace ${JSON.stringify(name)} to be ready`,
      async () => {
        ws = await session.client.getWorkspace(current.path, name);
        return ready();
      },
    );
  }
  ctx.io.out(`${ref} is ready to use.\n`);

  if (options.createContext) {
    const config = ctx.store.load();
    const result = createContext(config, {
      fromContext: session.config.contextName,
      name: options.createContext,
      overwrite: options.ignoreExisting === true,
      keepCurrent: options.enter !== true,
      ...(ws.spec?.URL ? { server: ws.spec.URL } : {}),
    });
    ctx.store.save(result.config);
    ctx.io.out(result.message);
    return;
  }
  if (options.enter) {
    await useWorkspace(ctx, options.workspace ? `:${joinPath(current.path, name)}` : name);
  }
}

/** Polls `check` every `intervalMs` (first at once) until true or `timeoutMs` passes. */
export async function poll(
  ctx: PluginContext,
  intervalMs: number,
  timeoutMs: number,
  what: string,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = ctx.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (ctx.now() + intervalMs > deadline) {
      throw new Error(`timed out waiting for ${what}: context deadline exceeded`);
    }
    await ctx.sleep(intervalMs);
  }
}
