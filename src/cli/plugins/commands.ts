/**
 * Command lines of the three kubectl plugins (`kubectl-ws`, `kubectl-create-workspace`,
 * `kubectl-kcp`), with kcp's flags. Each command builds its PluginContext from its flags
 * through a factory, so tests can run the same command lines against fakes.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseGoDuration } from '../../apimachinery/duration.ts';
import { bindAPIExport } from './bind.ts';
import { type ClaimAction, decideClaimsCommand, getClaims } from './claims.ts';
import type { ClientOverrides } from './client-config.ts';
import { type PluginContext, processTerminal } from './context.ts';
import { crdSnapshot } from './crd-snapshot.ts';
import { browseWorkspaces, type Terminal } from './interactive.ts';
import {
  createContextCommand,
  createWorkspace,
  currentWorkspace,
  useWorkspace,
  workspaceTree,
} from './workspace.ts';

/** The terminal `kubectl ws -i` browses on (undefined: not a TTY). */
export type TerminalFactory = () => Terminal | undefined;

/** Builds the context a command runs in from its connection flags. */
export type ContextFactory = (options: {
  kubeconfig?: string;
  overrides: ClientOverrides;
}) => PluginContext;

interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  user?: string;
  server?: string;
  token?: string;
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  username?: string;
  password?: string;
}

/** kubectl's connection flags (the subset kcp's plugins bind). */
function addConnectionFlags(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'path to the kubeconfig file')
    .option('--context <name>', 'the name of the kubeconfig context to use')
    .option('--user <name>', 'the name of the kubeconfig user to use')
    .option('-s, --server <url>', 'the address and port of the Kubernetes API server')
    .option('--token <token>', 'bearer token for authentication to the API server')
    .option('--certificate-authority <file>', 'path to a cert file for the certificate authority')
    .option(
      '--insecure-skip-tls-verify',
      "if true, the server's certificate will not be checked for validity",
    )
    .option('--tls-server-name <name>', 'server name to use for server certificate validation')
    .option('--username <name>', 'username for basic authentication to the API server')
    .option('--password <password>', 'password for basic authentication to the API server')
    .option('-n, --namespace <namespace>', 'accepted for kubectl compatibility; unused');
}

function addWorkspaceFlag(cmd: Command): Command {
  return cmd.option(
    '-w, --workspace <path>',
    'run in this workspace instead of the current one (leading ":" absolute, else relative)',
  );
}

function contextFrom(factory: ContextFactory, cmd: Command): PluginContext {
  const o = cmd.optsWithGlobals() as ConnectionFlags;
  const overrides: ClientOverrides = {
    ...(o.context ? { context: o.context } : {}),
    ...(o.user ? { user: o.user } : {}),
    ...(o.server ? { server: o.server } : {}),
    ...(o.token ? { token: o.token } : {}),
    ...(o.certificateAuthority ? { certificateAuthority: o.certificateAuthority } : {}),
    ...(o.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
    ...(o.tlsServerName ? { tlsServerName: o.tlsServerName } : {}),
    ...(o.username ? { username: o.username } : {}),
    ...(o.password ? { password: o.password } : {}),
  };
  return factory({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), overrides });
}

function durationOption(flag: string) {
  return (value: string): number => {
    const ms = parseGoDuration(value);
    if (ms === undefined) {
      throw new InvalidArgumentError(
        `invalid argument ${JSON.stringify(value)} for "${flag}" flag: time: invalid duration ${JSON.stringify(value)}`,
      );
    }
    return ms;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const WS_EXAMPLES = (cli: string) => `
Examples:
  # shows the workspace you are currently using
  ${cli} .

  # enter a given workspace (this will change the current-context of your current KUBECONFIG)
  ${cli} use my-workspace

  # short-hand for the use syntax
  ${cli} my-workspace

  # enter a given absolute workspace
  ${cli} :root:default:my-workspace

  # short-hand for the current root workspace
  ${cli} :

  # enter a given relative workspace
  ${cli} some:nested:workspace

  # enter the parent workspace
  ${cli} ..

  # enter the grand parent workspace
  ${cli} ..:..

  # enter the previous workspace
  ${cli} -

  # go to your home workspace
  ${cli}

  # create a workspace and immediately enter it
  ${cli} create my-workspace --enter

  # create a context with the current workspace, e.g. root:default:my-workspace
  ${cli} create-context

  # create a context with the current workspace, named context-name
  ${cli} create-context context-name
`;

interface CreateFlags {
  type?: string;
  enter?: boolean;
  ignoreExisting?: boolean;
  locationSelector?: string;
  createContext?: string;
  workspace?: string;
}

/** `create <name>` flags and action, shared by `kubectl create workspace` and `kubectl ws create`. */
function configureCreate(cmd: Command, factory: ContextFactory, deprecation?: string): Command {
  addWorkspaceFlag(
    addConnectionFlags(
      cmd
        .argument('<name>', 'name of the workspace to create')
        .option(
          '--type <type>',
          'A workspace type. The default type depends on where this child workspace is created.',
        )
        .option('--enter', 'Immediately enter the created workspace')
        .option(
          '--ignore-existing',
          'Ignore if the workspace already exists. Requires none or absolute type path. Overwrites the context if --create-context is set.',
        )
        .option(
          '--location-selector <selector>',
          'A label selector to select the scheduling location of the created workspace.',
        )
        .option(
          '--create-context <name>',
          'Create a kubeconfig context for the new workspace with the given name.',
        ),
    ),
  ).action(async (name: string, flags: CreateFlags, self: Command) => {
    const ctx = contextFrom(factory, self);
    if (deprecation) ctx.io.err(`Command "create" is deprecated, ${deprecation}\n`);
    await createWorkspace(ctx, name, {
      ...(flags.type ? { type: flags.type } : {}),
      enter: flags.enter === true,
      ignoreExisting: flags.ignoreExisting === true,
      ...(flags.locationSelector ? { locationSelector: flags.locationSelector } : {}),
      ...(flags.createContext ? { createContext: flags.createContext } : {}),
      ...(flags.workspace ? { workspace: flags.workspace } : {}),
    });
  });
  return cmd;
}

/** The `workspace` command tree (`kubectl ws …`, `kubectl kcp workspace …`). */
function buildWorkspaceCommand(
  name: string,
  cli: string,
  factory: ContextFactory,
  terminals: TerminalFactory,
): Command {
  const ws = new Command(name)
    .description('Manages KCP workspaces')
    .usage(
      '[create|create-context|use|current|<workspace>|..|.|-|~|<:root:absolute:workspace>] [flags]',
    )
    .argument('[workspace]', 'workspace to enter (see examples)')
    .option(
      '--short',
      'Print only the name of the workspace, e.g. for integration into the shell prompt',
    )
    .option('-i, --interactive', 'Interactive workspace tree browser')
    .addHelpText('after', WS_EXAMPLES(cli))
    .helpCommand(false)
    .enablePositionalOptions();
  addConnectionFlags(ws).action(
    async (
      arg: string | undefined,
      flags: { short?: boolean; interactive?: boolean },
      self: Command,
    ) => {
      if (flags.interactive) {
        if (arg !== undefined) throw new Error('interactive mode does not accept arguments');
        await browseWorkspaces(contextFrom(factory, self), terminals());
        return;
      }
      await useWorkspace(contextFrom(factory, self), arg ?? '', { short: flags.short === true });
    },
  );

  const use = new Command('use')
    .alias('cd')
    .description(
      'Uses the given workspace as the current workspace. Using - means previous workspace, .. means parent workspace, . mean current, ~ means home workspace',
    )
    .usage('<workspace>|..|.|-|~|<:root:absolute:workspace>|<relative:workspace> [flags]')
    .argument('[workspace]', 'workspace to enter')
    .option(
      '--short',
      'Print only the name of the workspace, e.g. for integration into the shell prompt',
    );
  addConnectionFlags(use).action(
    async (arg: string | undefined, flags: { short?: boolean }, self: Command) => {
      // Like kcp's plugin, `use` without a workspace prints its help.
      if (arg === undefined) {
        self.outputHelp();
        return;
      }
      await useWorkspace(contextFrom(factory, self), arg, {
        short: flags.short === true || self.parent?.opts().short === true,
      });
    },
  );

  const current = new Command('current')
    .description("Print the current workspace. Same as 'kubectl ws .'.")
    .option(
      '--short',
      'Print only the name of the workspace, e.g. for integration into the shell prompt',
    );
  addConnectionFlags(current).action(async (flags: { short?: boolean }, self: Command) => {
    await currentWorkspace(contextFrom(factory, self), {
      short: flags.short === true || self.parent?.opts().short === true,
    });
  });

  const tree = new Command('tree')
    .description('Print the current workspace tree.')
    .option('-f, --full', 'Show full workspace names');
  addWorkspaceFlag(addConnectionFlags(tree)).action(
    async (flags: { full?: boolean; workspace?: string }, self: Command) => {
      await workspaceTree(contextFrom(factory, self), {
        full: flags.full === true,
        ...(flags.workspace ? { workspace: flags.workspace } : {}),
      });
    },
  );

  const createContext = new Command('create-context')
    .description('Create a kubeconfig context for the current workspace')
    .argument('[context-name]', 'name of the context (default: the workspace path)')
    .option('--overwrite', 'Overwrite the context if it already exists');
  addConnectionFlags(createContext).action(
    async (contextName: string | undefined, flags: { overwrite?: boolean }, self: Command) => {
      await createContextCommand(contextFrom(factory, self), contextName, {
        overwrite: flags.overwrite === true,
      });
    },
  );

  const create = configureCreate(
    new Command('create').description(
      'Creates a new workspace (deprecated: use kubectl create workspace)',
    ),
    factory,
    "install the 'kubectl create workspace' plugin instead, compare https://docs.kcp.io/kcp/latest/setup/kubectl-plugin/.",
  );

  ws.addCommand(use)
    .addCommand(tree)
    .addCommand(current)
    .addCommand(create)
    .addCommand(createContext);
  return ws;
}

export function buildKubectlWs(
  factory: ContextFactory,
  terminals: TerminalFactory = processTerminal,
): Command {
  return buildWorkspaceCommand('kubectl ws', 'kubectl ws', factory, terminals);
}

export function buildKubectlCreateWorkspace(factory: ContextFactory): Command {
  return configureCreate(
    new Command('kubectl create workspace')
      .description('Creates a new workspace')
      .addHelpText(
        'after',
        '\nExample:\n  kubectl create workspace <workspace name> [--type=<type>] [--enter] [--ignore-existing]\n',
      ),
    factory,
  );
}

export function buildKubectlKcp(
  factory: ContextFactory,
  terminals: TerminalFactory = processTerminal,
): Command {
  const kcp = new Command('kubectl kcp')
    .description('kubectl plugin for kcp: kcp-specific sub-commands for kubectl.')
    .helpCommand(false)
    .enablePositionalOptions();

  const ws = buildWorkspaceCommand('workspace', 'kubectl kcp ws', factory, terminals).aliases([
    'ws',
    'workspaces',
  ]);
  kcp.addCommand(ws);

  // bind apiexport
  const bind = new Command('bind').description('Bind different types into current workspace.');
  const apiexport = new Command('apiexport')
    .description('Bind to an APIExport')
    .usage('<workspace_path:apiexport-name> [flags]')
    .argument('[reference]', 'the APIExport as <workspace path>:<export name>')
    .option('--name <name>', 'Name of the APIBinding to create.')
    .addOption(
      new Option(
        '--timeout <duration>',
        'Duration to wait for APIBinding to be created successfully.',
      )
        .default(30_000, '30s')
        .argParser(durationOption('--timeout')),
    )
    .option(
      '--accept-permission-claim <claims>',
      'List of accepted permission claims for the APIBinding. Format:  --accept-permission-claim resource.group',
      collect,
    )
    .option(
      '--reject-permission-claim <claims>',
      'List of rejected permission claims for the APIBinding. Format:  --reject-permission-claim resource.group',
      collect,
    )
    .option('--accept-all-permission-claims', 'Accept all permission claims from the APIExport.')
    .option('--reject-all-permission-claims', 'Reject all permission claims from the APIExport.')
    .addHelpText(
      'after',
      `
Examples:
  # Create an APIBinding named "my-binding" that binds to the APIExport "my-export" in the "root:my-service" workspace.
  kubectl kcp bind apiexport root:my-service:my-export --name my-binding

  # ... with accepted permission claims.
  kubectl kcp bind apiexport root:my-service:my-export --name my-binding --accept-permission-claim secrets.core,configmaps.core

  # ... with rejected permission claims.
  kubectl kcp bind apiexport root:my-service:my-export --name my-binding --reject-permission-claim secrets.core,configmaps.core

  # ... accepting every permission claim the export makes.
  kubectl kcp bind apiexport root:my-service:my-export --accept-all-permission-claims

A claim the binding leaves open is named in a warning once bound; accept it later with
  kubectl kcp claims accept my-binding --resource=secrets
`,
    );
  addWorkspaceFlag(addConnectionFlags(apiexport)).action(
    async (
      ref: string | undefined,
      flags: {
        name?: string;
        timeout: number;
        acceptPermissionClaim?: string[];
        rejectPermissionClaim?: string[];
        acceptAllPermissionClaims?: boolean;
        rejectAllPermissionClaims?: boolean;
        workspace?: string;
      },
      self: Command,
    ) => {
      await bindAPIExport(contextFrom(factory, self), ref, {
        ...(flags.name ? { name: flags.name } : {}),
        timeoutMs: flags.timeout,
        ...(flags.acceptPermissionClaim
          ? { acceptPermissionClaims: flags.acceptPermissionClaim }
          : {}),
        ...(flags.rejectPermissionClaim
          ? { rejectPermissionClaims: flags.rejectPermissionClaim }
          : {}),
        acceptAllPermissionClaims: flags.acceptAllPermissionClaims === true,
        rejectAllPermissionClaims: flags.rejectAllPermissionClaims === true,
        ...(flags.workspace ? { workspace: flags.workspace } : {}),
      });
    },
  );
  bind.addCommand(apiexport);
  kcp.addCommand(bind);

  // claims get apibinding; both help texts show how to list claims.
  const CLAIMS_GET_EXAMPLES = `  # Lists the permission claims and their respective status related to a specific APIBinding.
  kubectl kcp claims get apibinding cert-manager

  # List permission claims and their respective status for all APIBindings in current workspace.
  kubectl kcp claims get apibinding
`;
  const claims = new Command('claims')
    .description('Operations related to viewing or updating permission claims')
    .addHelpText(
      'after',
      `
Examples:
${CLAIMS_GET_EXAMPLES}
  # Accept specific permission claim of a specific APIBinding
  kubectl kcp claims accept cert-manager --resource=secrets

  # Accept specific permission claim from non-core group of a specific APIBinding
  kubectl kcp claims accept cert-manager --resource=gateways.networking.istio.io

  # Accept several permission claims of a specific APIBinding at once
  kubectl kcp claims accept cert-manager --resource=secrets,namespaces,events

  # Accept specific permission claim of a specific APIBinding using identity hash
  kubectl kcp claims accept cert-manager --identity-hash=5fdf7c7aaf407fd1594566869803f565bb84d22156cef5c445d2ee13ac2cfca6

  # Reject specific permission claim of a specific APIBinding
  kubectl kcp claims reject cert-manager --resource=secrets
`,
    );
  const get = new Command('get').description(
    'Operations related to fetching APIs with respect to permission claims',
  );
  const apibinding = new Command('apibinding')
    .description('Get claims related to apibinding')
    .argument('[apibinding_name]', 'the APIBinding (default: all in the workspace)')
    .addHelpText(
      'after',
      `
Examples:
${CLAIMS_GET_EXAMPLES}
STATUS is Accepted or Rejected as the binding decided, or Open for a claim the export makes
that the binding has not decided yet.
`,
    );
  addWorkspaceFlag(addConnectionFlags(apibinding)).action(
    async (bindingName: string | undefined, flags: { workspace?: string }, self: Command) => {
      await getClaims(contextFrom(factory, self), bindingName, {
        ...(flags.workspace ? { workspace: flags.workspace } : {}),
      });
    },
  );
  get.addCommand(apibinding);
  claims.addCommand(get);
  for (const action of ['accept', 'reject'] as ClaimAction[]) {
    const decide = new Command(action)
      .description(
        `${action === 'accept' ? 'Accept' : 'Reject'} permission claims of an APIBinding`,
      )
      .usage('<apibinding_name> (--resource=resource.group | --identity-hash=hash) [flags]')
      .argument('[apibinding_name]', 'the APIBinding whose claim to decide')
      .option(
        '--resource <resource.group>',
        'Resource group of permission claim. Format: --resource resource.group (several: comma-separated or repeated)',
        collect,
      )
      .option(
        '--identity-hash <hash>',
        'Identity hash of the resource. Format: --identity-hash id',
      );
    addWorkspaceFlag(addConnectionFlags(decide)).action(
      async (
        bindingName: string | undefined,
        flags: { resource?: string[]; identityHash?: string; workspace?: string },
        self: Command,
      ) => {
        await decideClaimsCommand(contextFrom(factory, self), action, bindingName, {
          ...(flags.resource ? { resources: flags.resource } : {}),
          ...(flags.identityHash ? { identityHash: flags.identityHash } : {}),
          ...(flags.workspace ? { workspace: flags.workspace } : {}),
        });
      },
    );
    claims.addCommand(decide);
  }
  kcp.addCommand(claims);

  // crd snapshot
  const crd = new Command('crd').description('CRD related operations');
  const snapshot = new Command('snapshot')
    .description('Snapshot a CRD and convert it to an APIResourceSchema')
    .usage('-f FILE --prefix PREFIX')
    .option(
      '-f, --filename <file>',
      'Path to a file containing the CRD to convert to an APIResourceSchema, or - for stdin',
    )
    .option(
      '--prefix <prefix>',
      "Prefix to use for the APIResourceSchema's name, before <resource>.<group>",
    )
    .option('-o, --output <format>', "Output format. Valid values are 'json' and 'yaml'", 'yaml')
    .addHelpText(
      'after',
      `
Examples:
  # Convert a CRD in a yaml file to an APIResourceSchema. For a CRD named widgets.example.io, and a prefix value of
  # 'today', the new APIResourceSchema's name will be today.widgets.example.io.
  kubectl kcp crd snapshot -f crd.yaml --prefix 2022-05-07 > api-resource-schema.yaml

  # Convert a CRD from STDIN
  kubectl get crd foo -o yaml | kubectl kcp crd snapshot -f - --prefix today > output.yaml
`,
    )
    .action(async (flags: { filename?: string; prefix?: string; output?: string }) => {
      await crdSnapshot(factory({ overrides: {} }), {
        ...(flags.filename ? { filename: flags.filename } : {}),
        ...(flags.prefix ? { prefix: flags.prefix } : {}),
        output: flags.output ?? 'yaml',
      });
    });
  crd.addCommand(snapshot);
  kcp.addCommand(crd);

  // Groups without a subcommand print their help, as cobra does.
  for (const group of [bind, claims, get, crd]) {
    group.helpCommand(false).action(() => {
      group.outputHelp();
    });
  }
  return kcp;
}

/**
 * Runs a plugin program: errors from an action print as `<prefix>: <message>` on stderr
 * and exit 1 (kubectl-ws and kubectl-create-workspace print `Error:` like cobra, kubectl-kcp
 * prints `error:`).
 */
export async function runPlugin(
  program: Command,
  argv: readonly string[],
  errorPrefix: string,
  output: { out: (text: string) => void; err: (text: string) => void } = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  },
): Promise<number> {
  const configure = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({ writeOut: output.out, writeErr: output.err });
    for (const sub of cmd.commands) configure(sub);
  };
  configure(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // Commander already printed help or its own error.
      return e.exitCode ?? 1;
    }
    output.err(`${errorPrefix}: ${e.message ?? String(err)}\n`);
    if (process.env.CANOPY_DEBUG) output.err(`${(err as Error).stack}\n`);
    return 1;
  }
}
