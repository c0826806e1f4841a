/**
 * Runs real kubectl binaries: the versioned ones of the machine image (`kubectl.1.27` …
 * `kubectl.1.33`, found with `dpkg -L kubectl`), falling back to the `kubectl` on PATH
 * (with a note in the test output) where the image lacks them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** The repository's bin/: `canopy` and the kcp kubectl plugins (kubectl-ws, kubectl-kcp, …). */
export const BIN = join(import.meta.dirname, '..', '..', '..', 'bin');

let cached: Map<string, string> | undefined;

function versionedBinaries(): Map<string, string> {
  if (cached) return cached;
  cached = new Map();
  let listing = '';
  try {
    listing = execFileSync('dpkg', ['-L', 'kubectl'], { encoding: 'utf8' });
  } catch {
    // Not a Debian machine or no kubectl package: fall back below.
  }
  for (const line of listing.split('\n')) {
    const m = /\/kubectl\.(1\.\d+)$/.exec(line.trim());
    if (m && existsSync(line.trim())) cached.set(m[1] as string, line.trim());
  }
  return cached;
}

/** The kubectl binary for a minor version such as '1.33'. */
function kubectlBinary(version: string): string {
  const found = versionedBinaries().get(version);
  if (found) return found;
  console.warn(`kubectl ${version} is not on this machine; using the kubectl on PATH instead`);
  return 'kubectl';
}

export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Kubectl {
  (
    args: readonly string[],
    options?: { input?: string; env?: Record<string, string> },
  ): Promise<KubectlResult>;
  /** Runs and throws with the output unless it exits 0; returns stdout. */
  ok(
    args: readonly string[],
    options?: { input?: string; env?: Record<string, string> },
  ): Promise<string>;
  readonly binary: string;
}

export interface KubectlOptions {
  /** Directories put in front of PATH (where kubectl looks for plugins such as `kubectl-ws`). */
  readonly path?: readonly string[];
}

export function kubectl(
  version: string,
  kubeconfig: string,
  home?: string,
  kubectlOptions: KubectlOptions = {},
): Kubectl {
  const binary = kubectlBinary(version);
  const pathEnv = kubectlOptions.path?.length
    ? { PATH: [...kubectlOptions.path, process.env.PATH ?? ''].join(delimiter) }
    : {};
  const run = (
    args: readonly string[],
    options: { input?: string; env?: Record<string, string> } = {},
  ) =>
    new Promise<KubectlResult>((resolve, reject) => {
      const child = spawn(binary, args, {
        env: {
          ...process.env,
          KUBECONFIG: kubeconfig,
          // Each test gets its own discovery cache, so one server's answers never leak into another's.
          ...(home ? { HOME: home, KUBECACHEDIR: `${home}/.kube/cache` } : {}),
          ...pathEnv,
          ...options.env,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      // kubectl may exit before reading its input (a usage error, say): the EPIPE of that
      // write is no failure of its own, the exit code and stderr tell what happened.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  const fn = run as Kubectl;
  (fn as { ok: Kubectl['ok'] }).ok = async (args, options) => {
    const r = await run(args, options);
    if (r.code !== 0)
      throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\n${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  (fn as { binary: string }).binary = binary;
  return fn;
}

/**
 * kubectl 1.33 with the kcp plugins on a private copy of `kubeconfig` (`home/copyAs`: the
 * plugins edit the kubeconfig). kubectl finds the plugins on PATH; their
 * `#!/usr/bin/env node` needs this Node.
 */
export function kubectlWithPlugins(kubeconfig: string, home: string, copyAs: string): Kubectl {
  const file = join(home, copyAs);
  copyFileSync(kubeconfig, file);
  return kubectl('1.33', file, home, { path: [BIN, dirname(process.execPath)] });
}
