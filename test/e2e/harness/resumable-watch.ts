/**
 * A watch that survives losing its server, as client-go's reflector does when a
 * connection moves: it reads a watch stream from one replica, and when that stream ends or
 * fails it resumes on another replica from the last resourceVersion it saw (bookmarks
 * included). A 410 is recorded, not papered over: the HA tests require that none happens.
 */
import { readFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { parseKubeconfig } from '../../../src/apimachinery/kubeconfig.ts';

export interface SeenEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly name: string;
  readonly resourceVersion: number;
  readonly data: Record<string, string>;
  /** Index of the replica whose stream delivered it. */
  readonly replica: number;
}

interface Server {
  readonly host: string;
  readonly port: string;
  readonly ca: Buffer;
  readonly token: string;
}

function serverOf(kubeconfig: string): Server {
  const config = parseKubeconfig(readFileSync(kubeconfig, 'utf8'));
  const cluster = config.clusters[0]?.cluster;
  const url = new URL(cluster?.server ?? '');
  return {
    host: url.hostname,
    port: url.port,
    ca: Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64'),
    token: config.users[0]?.user.token ?? '',
  };
}

export class ResumableWatch {
  readonly events: SeenEvent[] = [];
  /** Everything that went wrong: a 410, an ERROR event, a revision going backwards. */
  readonly problems: string[] = [];
  /** How often the watch moved to another replica. */
  resumes = 0;
  private readonly servers: Server[];
  private readonly path: string;
  private readonly alive: (replica: number) => boolean;
  private revision: string;
  private replica: number;
  private current: ClientRequest | undefined;
  private stopped = false;
  private waiters: Array<() => void> = [];

  /**
   * Watches `path` (a collection, no query) from `resourceVersion` on replica `first` of
   * `kubeconfigs`; `alive` tells which replicas are worth trying.
   */
  constructor(
    kubeconfigs: readonly string[],
    path: string,
    resourceVersion: string,
    first: number,
    alive: (replica: number) => boolean,
  ) {
    this.servers = kubeconfigs.map(serverOf);
    this.path = path;
    this.revision = resourceVersion;
    this.replica = first;
    this.alive = alive;
    this.connect();
  }

  /** The last resourceVersion delivered. */
  get resourceVersion(): string {
    return this.revision;
  }

  /** Resolves once an event for `name` has been seen (a deadline is the caller's). */
  async sawName(name: string): Promise<void> {
    while (!this.events.some((e) => e.name === name)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  stop(): void {
    this.stopped = true;
    this.current?.destroy();
    for (const w of this.waiters.splice(0)) w();
  }

  private connect(): void {
    if (this.stopped) return;
    const replica = this.replica;
    const server = this.servers[replica] as Server;
    let buffer = '';
    const req = request(
      {
        host: server.host,
        port: server.port,
        ca: server.ca,
        path: `${this.path}?watch=1&allowWatchBookmarks=true&resourceVersion=${this.revision}`,
        headers: { Authorization: `Bearer ${server.token}` },
      },
      (res) => {
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (d: Buffer) => {
            body += d;
          });
          res.on('end', () => {
            if (res.statusCode === 410) this.problems.push(`410 from replica ${replica}: ${body}`);
            this.reconnect(replica);
          });
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line.trim()) this.take(line, replica);
          }
        });
        res.on('end', () => this.reconnect(replica));
        res.on('error', () => this.reconnect(replica));
      },
    );
    req.on('error', () => this.reconnect(replica));
    req.end();
    this.current = req;
  }

  private take(line: string, replica: number): void {
    const event = JSON.parse(line) as {
      type: string;
      object: {
        code?: number;
        message?: string;
        metadata?: { name?: string; resourceVersion?: string };
        data?: Record<string, string>;
      };
    };
    if (event.type === 'ERROR') {
      this.problems.push(`ERROR event from replica ${replica}: ${event.object.message}`);
      return;
    }
    const rv = event.object.metadata?.resourceVersion ?? '';
    if (Number(rv) < Number(this.revision)) {
      this.problems.push(`revision went back from ${this.revision} to ${rv} on replica ${replica}`);
    }
    this.revision = rv;
    if (event.type === 'BOOKMARK') return;
    this.events.push({
      type: event.type as SeenEvent['type'],
      name: event.object.metadata?.name ?? '',
      resourceVersion: Number(rv),
      data: event.object.data ?? {},
      replica,
    });
    for (const w of this.waiters.splice(0)) w();
  }

  /** The stream from `from` is over: go on from the last revision, on a replica still up. */
  private reconnect(from: number): void {
    if (this.stopped || this.replica !== from) return;
    this.current = undefined;
    for (let step = 1; step <= this.servers.length; step++) {
      const next = (from + step) % this.servers.length;
      if (this.alive(next)) {
        this.replica = next;
        break;
      }
    }
    if (this.replica !== from) this.resumes++;
    setTimeout(() => this.connect(), 200).unref();
  }
}
