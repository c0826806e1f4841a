/**
 * Real etcd for tests and benchmarks: one member or a loopback cluster of several, each
 * on free ports in a temporary directory, started and stopped by the test. Members can be
 * killed (SIGKILL) and started again on their data, and the leader can be found, for the
 * failure tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient } from './client.ts';
import {
  clientUrl,
  ETCD_READY,
  type EtcdMemberSpec,
  etcdBinary,
  etcdMemberArgs,
  freePort,
} from './local-etcd.ts';

export interface TestEtcd {
  /** Client URLs of every member, in member order. */
  readonly endpoints: readonly string[];
  readonly members: readonly EtcdMemberSpec[];
  /** SIGKILL one member and wait for it to exit. */
  kill(member: number): Promise<void>;
  /** Start a killed member again on its data and wait until it serves. */
  restart(member: number): Promise<void>;
  /** The member that leads the cluster now. */
  leader(): Promise<number>;
  /** What a member logged (for a failing test's message). */
  output(member: number): string;
  /** A member's process id (to kill it from an exit handler, synchronously). */
  pid(member: number): number;
  /** Kill every member and remove the data. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

export interface TestEtcdOptions {
  /** Members of the cluster (default 1). */
  readonly members?: number;
  /** TLS for clients, with client certificates required (files the caller made). */
  readonly tls?: EtcdMemberSpec['tls'];
}

export async function startTestEtcd(options: TestEtcdOptions = {}): Promise<TestEtcd> {
  const count = options.members ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'canopy-etcd-'));
  for (let attempt = 1; ; attempt++) {
    const specs: EtcdMemberSpec[] = [];
    for (let i = 0; i < count; i++) {
      specs.push({
        name: `m${i}`,
        dataDir: join(dir, `m${i}-${attempt}`),
        clientPort: await freePort(),
        peerPort: await freePort(),
        ...(options.tls ? { tls: options.tls } : {}),
      });
    }
    const running = specs.map((spec) => launch(spec, specs));
    try {
      await Promise.all(running.map((m) => m.ready));
      return cluster(dir, specs, running);
    } catch (err) {
      await Promise.all(running.map((m) => m.kill()));
      // Another process took a port between our check and etcd's bind: new ports.
      if (attempt < 5 && running.some((m) => /address already in use/.test(m.output()))) continue;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
}

interface Member {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  output(): string;
  kill(): Promise<void>;
}

function launch(spec: EtcdMemberSpec, all: readonly EtcdMemberSpec[]): Member {
  const child = spawn(etcdBinary(), etcdMemberArgs(spec, all), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`etcd ${spec.name} did not become ready:\n${out.slice(-4000)}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (d: Buffer) => {
      out += d;
      if (ETCD_READY.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`etcd ${spec.name} exited with ${code}:\n${out.slice(-4000)}`));
    });
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function cluster(dir: string, specs: EtcdMemberSpec[], running: Member[]): TestEtcd {
  const endpoints = specs.map(clientUrl);
  const members = [...running];
  const member = (i: number) => {
    const m = members[i];
    if (!m) throw new Error(`no etcd member ${i}`);
    return m;
  };
  return {
    endpoints,
    members: specs,
    kill: (i) => member(i).kill(),
    async restart(i) {
      const spec = specs[i] as EtcdMemberSpec;
      if (member(i).child.exitCode === null && member(i).child.signalCode === null) {
        throw new Error(`etcd ${spec.name} is still running`);
      }
      // On its existing data the member rejoins; the --initial-* flags are ignored then.
      const m = launch(spec, specs);
      members[i] = m;
      await m.ready;
    },
    async leader() {
      const tls = specs[0]?.tls;
      const client = new EtcdClient({ endpoints, requestTimeoutMs: 2000, ...tls });
      try {
        for (let i = 0; i < endpoints.length; i++) {
          const alive = member(i).child.exitCode === null && member(i).child.signalCode === null;
          if (!alive) continue;
          const status = await client.status(endpoints[i] as string).catch(() => undefined);
          if (status && status.leader !== 0 && status.leader === status.header.member_id) return i;
        }
      } finally {
        client.close();
      }
      throw new Error('no etcd member leads the cluster now');
    },
    output: (i) => member(i).output(),
    pid: (i) => member(i).child.pid ?? 0,
    async stop() {
      await Promise.all(members.map((m) => m.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
