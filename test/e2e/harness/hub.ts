/**
 * The provider hub in end-to-end tests: a `canopy hub` process, kubeconfigs for token-file
 * users, and the tenant workspaces they own (made and waited for as the admin).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  parseKubeconfig,
  serializeKubeconfig,
  singleContextKubeconfig,
} from '../../../src/apimachinery/kubeconfig.ts';
import { CANOPY_BIN } from './canopy-process.ts';
import type { Kubectl } from './kubectl.ts';
import { until } from './wait.ts';

export interface HubProcess {
  readonly child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * `canopy hub` on a free port for the control plane of `kubeconfig`, writing its URL to
 * `dataDir`/hub-url, with `extra` flags; resolves once it prints its ready line.
 */
export async function startHubProcess(
  kubeconfig: string,
  dataDir: string,
  ...extra: string[]
): Promise<HubProcess> {
  const args = ['--kubeconfig', kubeconfig, '--data-dir', dataDir, '--port', '0', ...extra];
  const child = spawn(process.execPath, [CANOPY_BIN, 'hub', '--log-format', 'json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d;
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await until(
    'canopy hub ready',
    () => {
      if (child.exitCode !== null) throw new Error(`canopy hub exited:\n${out}`);
      return /Canopy hub ready/.test(out);
    },
    60_000,
  );
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The CA of an admin kubeconfig, PEM. */
export function kubeconfigCa(kubeconfig: string): string {
  const config = parseKubeconfig(readFileSync(kubeconfig, 'utf8'));
  return Buffer.from(
    config.clusters[0]?.cluster['certificate-authority-data'] ?? '',
    'base64',
  ).toString();
}

/** Writes a kubeconfig for a bearer token at `server` (e.g. `https://…/clusters/root:alice`). */
export function writeTokenKubeconfig(
  file: string,
  options: { server: string; caPem: string; token: string; user: string },
): string {
  writeFileSync(
    file,
    serializeKubeconfig(
      singleContextKubeconfig({
        name: options.user,
        server: options.server,
        caPem: options.caPem,
        user: { token: options.token },
      }),
    ),
    { mode: 0o600 },
  );
  return file;
}

/** As the admin: workspaces `root:<name>` for each name, once each is Ready. */
export async function readyWorkspaces(
  admin: Kubectl,
  rootServer: string,
  names: readonly string[],
): Promise<void> {
  for (const name of names) {
    await admin.ok(['--server', rootServer, 'apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'tenancy.kcp.io/v1alpha1',
        kind: 'Workspace',
        metadata: { name },
      }),
    });
  }
  await admin.ok([
    '--server',
    rootServer,
    'wait',
    '--for=jsonpath={.status.phase}=Ready',
    ...names.map((name) => `workspace/${name}`),
    '--timeout=60s',
  ]);
}

/** As the admin: workspace `root:<name>`, its Ready, and `user` cluster-admin in it. */
export async function tenantWorkspace(
  admin: Kubectl,
  rootServer: string,
  name: string,
  user: string,
): Promise<void> {
  await readyWorkspaces(admin, rootServer, [name]);
  await admin.ok([
    '--server',
    `${rootServer}:${name}`,
    'create',
    'clusterrolebinding',
    `${user}-admin`,
    '--clusterrole',
    'cluster-admin',
    '--user',
    user,
  ]);
}
