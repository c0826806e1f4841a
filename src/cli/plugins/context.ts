/**
 * What a plugin command runs against: output streams, the kubeconfig (read and written
 * through a store), connection overrides, a way to open a transport, and a clock. The
 * executables use the process versions; tests substitute in-memory ones.
 */
import { homedir } from 'node:os';
import { emitKeypressEvents } from 'node:readline';
import type { Kubeconfig } from '../../apimachinery/kubeconfig.ts';
import {
  type ClientOverrides,
  type EffectiveConfig,
  effectiveConfig,
  withWorkspace,
} from './client-config.ts';
import type { Key, Terminal } from './interactive.ts';
import { KcpClient } from './kcp-api.ts';
import {
  type KubeconfigSource,
  kubeconfigSource,
  type LoadedKubeconfig,
  loadKubeconfig,
  saveKubeconfig,
} from './kubeconfig-files.ts';
import { baseURL, type ClusterURL, parseClusterURL } from './paths.ts';
import { connect, type Transport } from './transport.ts';

export interface PluginIO {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
}

export interface KubeconfigStore {
  /** The merged kubeconfig as it is now. */
  load(): Kubeconfig;
  /** Writes the changes between the loaded config and `next`. */
  save(next: Kubeconfig): void;
}

export interface PluginContext {
  readonly io: PluginIO;
  readonly store: KubeconfigStore;
  readonly overrides: ClientOverrides;
  connect(config: EffectiveConfig, base: string): Promise<Transport>;
  homeDir(): string;
  sleep(ms: number): Promise<void>;
  now(): number;
}

/** A store over the kubeconfig files of `source`, reloaded after every save. */
export function fileStore(source: KubeconfigSource): KubeconfigStore {
  let loaded: LoadedKubeconfig | undefined;
  const get = () => {
    loaded ??= loadKubeconfig(source);
    return loaded;
  };
  return {
    load: () => structuredClone(get().merged),
    save(next) {
      saveKubeconfig(get(), next);
      loaded = undefined;
    },
  };
}

/** A closed pipe on stdout (`kubectl ws tree | head`) ends the plugin quietly. */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

/** The process's terminal for `kubectl ws -i`, when stdin and stdout are one. */
export function processTerminal(): Terminal | undefined {
  const { stdin, stdout } = process;
  if (!stdin.isTTY || !stdout.isTTY) return undefined;
  const names: Record<string, Key> = {
    up: 'up',
    k: 'up',
    down: 'down',
    j: 'down',
    left: 'left',
    h: 'left',
    right: 'right',
    l: 'right',
    space: 'space',
    return: 'enter',
    enter: 'enter',
    backspace: 'backspace',
    escape: 'quit',
    q: 'quit',
  };
  emitKeypressEvents(stdin);
  stdin.setRawMode(true);
  // The screen the user had comes back on close (alternate screen), the cursor hidden meanwhile.
  stdout.write('\x1b[?1049h\x1b[?25l');
  return {
    // Read at every draw (the window may be resized); a terminal without a size (0) gets 24.
    get rows() {
      return stdout.rows || 24;
    },
    async *keys() {
      const queue: Key[] = [];
      let wake: (() => void) | undefined;
      const onKey = (_: string, key: { name?: string; ctrl?: boolean } | undefined) => {
        queue.push(key?.ctrl && key.name === 'c' ? 'quit' : (names[key?.name ?? ''] ?? 'other'));
        wake?.();
      };
      stdin.on('keypress', onKey);
      try {
        for (;;) {
          while (queue.length === 0) await new Promise<void>((r) => (wake = r));
          yield queue.shift() as Key;
        }
      } finally {
        stdin.off('keypress', onKey);
      }
    },
    draw(lines) {
      stdout.write(`\x1b[H\x1b[2J${lines.join('\r\n')}`);
    },
    close() {
      stdout.write('\x1b[?25h\x1b[?1049l');
      stdin.setRawMode(false);
      stdin.pause();
    },
  };
}

function processIO(): PluginIO {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

export function processContext(options: {
  kubeconfig?: string;
  overrides?: ClientOverrides;
}): PluginContext {
  return {
    io: processIO(),
    store: fileStore(kubeconfigSource(options.kubeconfig, process.env, homedir())),
    overrides: options.overrides ?? {},
    connect: (config, base) => connect(config, base),
    homeDir: () => homedir(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
  };
}

/** An open connection: the effective config, its kcp client, and the current workspace. */
export interface Session {
  readonly config: EffectiveConfig;
  readonly client: KcpClient;
  /** Base URL and path of the workspace the config points at, if it points at one. */
  readonly current: ClusterURL | undefined;
}

export async function openSession(ctx: PluginContext, workspace?: string): Promise<Session> {
  const config = withWorkspace(effectiveConfig(ctx.store.load(), ctx.overrides), workspace);
  const transport = await ctx.connect(config, baseURL(config.host));
  return { config, client: new KcpClient(transport), current: parseClusterURL(config.host) };
}

/** The current workspace, or the error kcp's plugins give when the URL is not one. */
export function requireWorkspace(
  session: Session,
  wording = 'does not point to a workspace',
): ClusterURL {
  if (!session.current) {
    throw new Error(`current URL ${JSON.stringify(session.config.host)} ${wording}`);
  }
  return session.current;
}
