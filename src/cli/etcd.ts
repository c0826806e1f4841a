/**
 * `canopy etcd`: one etcd member on loopback for local use (what `canopy up --etcd` runs, and
 * what the high-availability guide starts by hand): Debian's `etcd` with a data directory
 * and two ports, its log passed through, a `ready` line once it serves, and SIGTERM/SIGINT
 * passed on so it stops cleanly. A production etcd is run as etcd's own documentation says.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  clientUrl,
  ETCD_READY,
  type EtcdMemberSpec,
  etcdBinary,
  etcdMemberArgs,
} from '../storage/etcd/local-etcd.ts';
import { parsePort } from './flags.ts';

interface EtcdFlags {
  dataDir: string;
  clientPort: string;
  peerPort: string;
  name: string;
}

export function registerEtcd(program: Command): void {
  program
    .command('etcd')
    .description(
      'run a single etcd member on 127.0.0.1 for local replicas (canopy start --etcd-servers)',
    )
    .option('--data-dir <dir>', 'where etcd keeps its data', '.canopy/etcd')
    .option('--client-port <port>', 'port clients (Canopy) connect to', '2379')
    .option('--peer-port <port>', 'port of etcd’s own peer traffic', '2380')
    .option('--name <name>', 'the member’s name', 'default')
    .action(async (flags: EtcdFlags) => {
      const member: EtcdMemberSpec = {
        name: flags.name,
        dataDir: resolve(flags.dataDir),
        clientPort: parsePort('--client-port', flags.clientPort),
        peerPort: parsePort('--peer-port', flags.peerPort),
      };
      if (member.clientPort === 0 || member.peerPort === 0) {
        throw new Error(
          'etcd needs its ports before it starts: give --client-port and --peer-port',
        );
      }
      mkdirSync(member.dataDir, { recursive: true, mode: 0o700 });
      const child = spawn(etcdBinary(), etcdMemberArgs(member, [member]), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let seen = '';
      let ready = false;
      const pass = (out: NodeJS.WriteStream) => (chunk: Buffer) => {
        out.write(chunk);
        if (ready) return;
        seen = (seen + chunk.toString('utf8')).slice(-4096);
        if (ETCD_READY.test(seen)) {
          ready = true;
          process.stdout.write(`etcd ready at ${clientUrl(member)} (data in ${member.dataDir})\n`);
        }
      };
      child.stdout?.on('data', pass(process.stdout));
      child.stderr?.on('data', pass(process.stderr));
      const stop = () => child.kill('SIGTERM');
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      const code = await new Promise<number>((done) => {
        child.once('error', (err) => {
          process.stderr.write(`canopy etcd: ${err.message}\n`);
          done(1);
        });
        child.once('exit', (c, signal) => done(c ?? (signal === 'SIGTERM' ? 0 : 1)));
      });
      if (!ready) {
        process.stderr.write(
          `canopy etcd: etcd stopped before it served (is port ${member.clientPort} or ${member.peerPort} in use? see its log above)\n`,
        );
      }
      process.exit(code);
    });
}
