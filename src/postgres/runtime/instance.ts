/**
 * One PostgreSQL instance on this machine: its directory (data directory, log, socket
 * directory, state file), its port, and the operations on it — initdb, clone from a
 * primary with pg_basebackup, rewind with pg_rewind, start, stop, promote, reload — plus
 * health checks. The state file (role, port, phase, the pid of a running helper program)
 * lets a restarted operator adopt a running server and never initialise twice.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PostgresBinaries } from './binaries.ts';
import { type ConfigInput, renderPostgresqlConf } from './config.ts';
import { chownToServer, type ServerUser } from './os-user.ts';
import {
  commandLine,
  isAlive,
  processExists,
  runChecked,
  runProgram,
  signalProcess,
  spawnDetached,
  stopProcess,
  waitUntil,
} from './process.ts';
import { parseLsn, query, timelineOfWalFile, withClient } from './sql.ts';

export type InstanceRole = 'primary' | 'replica';
/** `initializing`: initdb or bootstrap under way; `cloning`: pg_basebackup; `rejoining`: pg_rewind. */
export type InstancePhase = 'initializing' | 'cloning' | 'rejoining' | 'ready';

export interface InstanceState {
  readonly version: 1;
  readonly name: string;
  readonly serial: number;
  readonly port: number;
  readonly socketDir: string;
  readonly role: InstanceRole;
  readonly phase: InstancePhase;
  /** pid of initdb / pg_basebackup / pg_rewind while one runs for this instance. */
  readonly jobPid?: number;
  /** Last postmaster pid the operator saw. */
  readonly pid?: number;
  /** User parameters the config file holds (to tell reload from restart). */
  readonly appliedParameters?: Record<string, string>;
  /** The configuration changed restart-only parameters and the server still runs the old ones. */
  readonly pendingRestart?: boolean;
  readonly createdAt: string;
  /** How many times the server was started, when the last time was, and the one before. */
  readonly starts?: number;
  readonly startedAt?: string;
  readonly lastRestartAt?: string;
}

export interface Health {
  readonly running: boolean;
  readonly ready: boolean;
  readonly inRecovery?: boolean;
  readonly timeline?: number;
  /** Received (replica) or current (primary) WAL position. */
  readonly lsn?: bigint;
  /** A replica whose WAL receiver streams from its primary. */
  readonly streaming?: boolean;
  readonly error?: string;
}

const SOCKET_PATH_MAX = 100;

export function socketDirFor(instanceDir: string, port: number): string {
  const inside = join(instanceDir, 'run');
  if (`${inside}/.s.PGSQL.${port}`.length <= SOCKET_PATH_MAX) return inside;
  const hash = createHash('sha256').update(instanceDir).digest('hex').slice(0, 16);
  return join('/tmp', `canopy-pg-${hash}`);
}

/**
 * Whether servers may still be started. An operator that stops its servers on exit closes
 * it first, so a reconcile still in flight cannot start one after they were stopped.
 */
export interface StartFence {
  readonly closed: boolean;
}

const OPEN: StartFence = { closed: false };

export class Instance {
  readonly name: string;
  readonly dir: string;
  readonly bin: PostgresBinaries;
  readonly user: ServerUser;
  readonly fence: StartFence;
  state: InstanceState;

  constructor(
    dir: string,
    state: InstanceState,
    bin: PostgresBinaries,
    user: ServerUser,
    fence: StartFence = OPEN,
  ) {
    this.name = state.name;
    this.dir = dir;
    this.state = state;
    this.bin = bin;
    this.user = user;
    this.fence = fence;
  }

  get pgdata(): string {
    return join(this.dir, 'pgdata');
  }
  get stagingPgdata(): string {
    return join(this.dir, 'pgdata.new');
  }
  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }
  get port(): number {
    return this.state.port;
  }
  get socketDir(): string {
    return this.state.socketDir;
  }
  get address() {
    return { socketDir: this.state.socketDir, port: this.state.port };
  }

  static statePath(dir: string): string {
    return join(dir, 'state.json');
  }

  static load(
    dir: string,
    bin: PostgresBinaries,
    user: ServerUser,
    fence: StartFence = OPEN,
  ): Instance | undefined {
    const path = Instance.statePath(dir);
    if (!existsSync(path)) return undefined;
    const state = JSON.parse(readFileSync(path, 'utf8')) as InstanceState;
    return new Instance(dir, state, bin, user, fence);
  }

  /** Creates the directory and the state file of a new instance. */
  static create(
    dir: string,
    init: { name: string; serial: number; port: number; role: InstanceRole; phase: InstancePhase },
    bin: PostgresBinaries,
    user: ServerUser,
    fence: StartFence = OPEN,
  ): Instance {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownToServer(user, dir);
    const state: InstanceState = {
      version: 1,
      ...init,
      socketDir: socketDirFor(dir, init.port),
      createdAt: new Date().toISOString(),
    };
    const instance = new Instance(dir, state, bin, user, fence);
    instance.save();
    return instance;
  }

  update(patch: Partial<Omit<InstanceState, 'version' | 'name' | 'serial'>>): void {
    const next: InstanceState = { ...this.state, ...patch };
    // A field given as undefined is cleared (jobPid once the job is over).
    for (const [k, v] of Object.entries(patch))
      if (v === undefined) Reflect.deleteProperty(next, k);
    this.state = next;
    this.save();
  }

  save(): void {
    const path = Instance.statePath(this.dir);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
  }

  /** Has a complete data directory (initdb or clone finished). */
  hasData(): boolean {
    return existsSync(join(this.pgdata, 'PG_VERSION'));
  }

  dataDir(staging = false): string {
    return staging ? this.stagingPgdata : this.pgdata;
  }

  /** The running postmaster's pid, from postmaster.pid, verified against the process table. */
  postmasterPid(staging = false): number | undefined {
    const dir = this.dataDir(staging);
    let text: string;
    try {
      text = readFileSync(join(dir, 'postmaster.pid'), 'utf8');
    } catch {
      const last = this.state.pid;
      return !staging && last && this.#isOurPostmaster(last, dir) ? last : undefined;
    }
    const pid = Number(text.split('\n')[0]);
    return this.#isOurPostmaster(pid, dir) ? pid : undefined;
  }

  #isOurPostmaster(pid: number, dir: string): boolean {
    if (!isAlive(pid)) return false;
    const cmd = commandLine(pid);
    return cmd === undefined || cmd.split(' ').includes(dir);
  }

  isRunning(): boolean {
    return this.postmasterPid() !== undefined;
  }

  /**
   * Cleans up after an operator that died mid-operation: kills a helper program (initdb,
   * pg_basebackup, pg_rewind) it left running, stops a bootstrap server on the staging
   * directory, and removes the staging directory.
   */
  async discardUnfinishedWork(): Promise<void> {
    const pid = this.state.jobPid;
    if (pid && isAlive(pid)) {
      const cmd = commandLine(pid) ?? '';
      if (cmd.includes(this.dir)) await stopProcess(pid, [{ signal: 'SIGKILL', waitMs: 5000 }]);
    }
    if (pid) this.update({ jobPid: undefined });
    const staging = this.postmasterPid(true);
    if (staging)
      await stopProcess(staging, [
        { signal: 'SIGQUIT', waitMs: 5000 },
        { signal: 'SIGKILL', waitMs: 5000 },
      ]);
    rmSync(this.stagingPgdata, { recursive: true, force: true });
  }

  #ensureDirs(): void {
    mkdirSync(this.socketDir, { recursive: true, mode: 0o700 });
    chownToServer(this.user, this.socketDir);
  }

  renderConfig(config: Omit<ConfigInput, 'instanceName' | 'port' | 'socketDir'>): string {
    return renderPostgresqlConf({
      ...config,
      instanceName: this.name,
      port: this.port,
      socketDir: this.socketDir,
    });
  }

  /** The postgresql.conf and pg_hba.conf on disk (to tell whether a rewrite changes anything). */
  readConfig(staging = false): { conf: string; hba: string; standby: boolean } {
    const dir = this.dataDir(staging);
    const read = (name: string) => {
      try {
        return readFileSync(join(dir, name), 'utf8');
      } catch {
        return '';
      }
    };
    return {
      conf: read('postgresql.conf'),
      hba: read('pg_hba.conf'),
      standby: existsSync(join(dir, 'standby.signal')),
    };
  }

  /**
   * Checks a candidate postgresql.conf without touching the running server: `postgres -C`
   * reads and validates every setting (restart-only ones included) and exits. Returns
   * PostgreSQL's complaints; none means valid.
   */
  async validateConfig(conf: string, staging = false): Promise<string[]> {
    const candidate = join(this.dir, 'postgresql.conf.check');
    writeFileSync(candidate, conf, { mode: 0o600 });
    chownToServer(this.user, candidate);
    try {
      const result = await runProgram(
        this.bin.path('postgres'),
        ['-D', this.dataDir(staging), '-c', `config_file=${candidate}`, '-C', 'data_directory'],
        { user: this.user, timeoutMs: 30_000 },
      );
      if (result.code === 0) return [];
      const lines = result.stderr
        .split('\n')
        .map((l) => l.replace(/^.*?(LOG|FATAL|ERROR):\s+/, ''))
        .filter((l) => l && !/contains errors/.test(l))
        .map((l) => l.replace(/ in file "[^"]*" line \d+$/, ''));
      return lines.length > 0 ? lines : [`postgres -C failed (exit ${result.code})`];
    } finally {
      rmSync(candidate, { force: true });
    }
  }

  /** Writes postgresql.conf, pg_hba.conf, an empty postgresql.auto.conf and standby.signal. */
  writeConfig(conf: string, hba: string, standby: boolean, staging = false): void {
    const dir = this.dataDir(staging);
    const files: [string, string][] = [
      ['postgresql.conf', conf],
      ['pg_hba.conf', hba],
      ['postgresql.auto.conf', '# ALTER SYSTEM is not used: see postgresql.conf\n'],
    ];
    for (const [name, content] of files) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      chownToServer(this.user, path);
    }
    const signal = join(dir, 'standby.signal');
    if (standby) {
      writeFileSync(signal, '', { mode: 0o600 });
      chownToServer(this.user, signal);
    } else {
      rmSync(signal, { force: true });
    }
  }

  /** initdb into the staging directory (see `commitStaging`). */
  async initdb(options: {
    superuserPassword?: string;
    encoding: string;
    localeCollate: string;
    localeCType: string;
    dataChecksums: boolean;
    walSegmentSize?: number;
  }): Promise<void> {
    rmSync(this.stagingPgdata, { recursive: true, force: true });
    let pwfile: string | undefined;
    if (options.superuserPassword !== undefined) {
      pwfile = join(this.dir, '.pwfile');
      writeFileSync(pwfile, `${options.superuserPassword}\n`, { mode: 0o600 });
      chownToServer(this.user, pwfile);
    }
    const args = [
      '-D',
      this.stagingPgdata,
      '--username=postgres',
      `--encoding=${options.encoding}`,
      `--lc-collate=${options.localeCollate}`,
      `--lc-ctype=${options.localeCType}`,
      '--locale=C',
      '--auth-local=trust',
      '--auth-host=md5',
      ...(pwfile ? [`--pwfile=${pwfile}`] : []),
      ...(options.dataChecksums ? ['--data-checksums'] : []),
      ...(options.walSegmentSize ? [`--wal-segsize=${options.walSegmentSize}`] : []),
    ];
    try {
      await runChecked(this.bin.path('initdb'), args, {
        user: this.user,
        timeoutMs: 120_000,
        onStart: (pid) => this.update({ jobPid: pid }),
      });
    } finally {
      if (pwfile) rmSync(pwfile, { force: true });
      this.update({ jobPid: undefined });
    }
  }

  /** Moves a finished staging directory into place: the instance has data from now on. */
  commitStaging(): void {
    rmSync(join(this.stagingPgdata, 'postmaster.pid'), { force: true });
    renameSync(this.stagingPgdata, this.pgdata);
  }

  /** Clones `source` with pg_basebackup (streaming the WAL it needs) into the staging directory. */
  async cloneFrom(source: {
    host: string;
    port: number;
    user: string;
    password: string;
  }): Promise<void> {
    rmSync(this.stagingPgdata, { recursive: true, force: true });
    try {
      await runChecked(
        this.bin.path('pg_basebackup'),
        [
          '-D',
          this.stagingPgdata,
          '-d',
          `host=${source.host} port=${source.port} user=${source.user} application_name=${this.name} sslmode=disable`,
          '--wal-method=stream',
          '--checkpoint=fast',
          '--no-password',
        ],
        {
          user: this.user,
          env: { PGPASSWORD: source.password },
          timeoutMs: 30 * 60_000,
          onStart: (pid) => this.update({ jobPid: pid }),
        },
      );
    } finally {
      this.update({ jobPid: undefined });
    }
  }

  /** Replaces the data directory with a fresh clone (used when pg_rewind cannot help). */
  removeData(): void {
    rmSync(this.pgdata, { recursive: true, force: true });
    rmSync(this.stagingPgdata, { recursive: true, force: true });
  }

  /** Rewinds this (stopped) former primary onto the timeline of `source`. */
  async rewindFrom(source: { socketDir: string; port: number }): Promise<void> {
    await this.waitForStalePostmaster();
    try {
      await runChecked(
        this.bin.path('pg_rewind'),
        [
          `--target-pgdata=${this.pgdata}`,
          `--source-server=host=${source.socketDir} port=${source.port} user=postgres dbname=postgres`,
        ],
        {
          user: this.user,
          timeoutMs: 10 * 60_000,
          onStart: (pid) => this.update({ jobPid: pid }),
        },
      );
    } finally {
      this.update({ jobPid: undefined });
    }
  }

  /**
   * Starts the server (detached) and waits until it accepts connections. A server that
   * exits during start-up is reported with the end of its log.
   */
  /**
   * A killed postmaster stays a zombie until its parent (init, for a server an earlier
   * operator started) reaps it, and PostgreSQL refuses to start while the pid in
   * postmaster.pid exists. Waits (bounded) for such a pid to disappear.
   */
  async waitForStalePostmaster(staging = false, timeoutMs = 15_000): Promise<void> {
    let pid: number;
    try {
      pid = Number(
        readFileSync(join(this.dataDir(staging), 'postmaster.pid'), 'utf8').split('\n')[0],
      );
    } catch {
      return;
    }
    if (!pid || isAlive(pid)) return;
    await waitUntil(() => !processExists(pid), timeoutMs, 50);
  }

  async start(timeoutMs: number, staging = false): Promise<number> {
    this.#ensureDirs();
    const running = this.postmasterPid(staging);
    if (running) return running;
    if (this.fence.closed)
      throw new Error(`not starting PostgreSQL ${this.name}: the operator is stopping its servers`);
    await this.waitForStalePostmaster(staging);
    // A crashed postmaster leaves postmaster.pid behind; postgres itself handles that.
    let exited: number | null | undefined;
    const pid = await spawnDetached(this.bin.path('postgres'), ['-D', this.dataDir(staging)], {
      user: this.user,
      logFile: this.logFile,
      onExit: (code) => {
        exited = code;
      },
    });
    if (!staging) {
      const now = new Date().toISOString();
      const starts = (this.state.starts ?? 0) + 1;
      this.update({ pid, starts, startedAt: now, ...(starts > 1 ? { lastRestartAt: now } : {}) });
    }
    const ok = await waitUntil(
      async () => {
        if (exited !== undefined) return true;
        return (await this.ping(1000, staging)).ready;
      },
      timeoutMs,
      50,
    );
    if (exited !== undefined)
      throw new Error(
        `PostgreSQL ${this.name} exited during start-up (code ${exited}): ${this.logTail()}`,
      );
    if (!ok)
      throw new Error(`PostgreSQL ${this.name} did not accept connections within ${timeoutMs} ms`);
    return pid;
  }

  /**
   * Stops the server: `fast` (SIGINT: roll back sessions, checkpoint), then `immediate`
   * (SIGQUIT), then SIGKILL, waiting `timeoutMs` at each step.
   */
  async stop(
    mode: 'smart' | 'fast' | 'immediate' = 'fast',
    timeoutMs = 30_000,
    staging = false,
  ): Promise<boolean> {
    const pid = this.postmasterPid(staging);
    if (!pid) return true;
    const first: NodeJS.Signals =
      mode === 'smart' ? 'SIGTERM' : mode === 'fast' ? 'SIGINT' : 'SIGQUIT';
    const steps = [
      { signal: first, waitMs: timeoutMs },
      { signal: 'SIGQUIT' as const, waitMs: 5000 },
      { signal: 'SIGKILL' as const, waitMs: 5000 },
    ];
    const stopped = await stopProcess(pid, steps);
    // Backends of a killed postmaster exit on their own once they notice; give them a moment.
    await waitUntil(() => !existsSync(join(this.socketDir, `.s.PGSQL.${this.port}`)), 500, 25);
    return stopped;
  }

  /** SIGKILL (a primary that stopped answering must not come back as a second primary). */
  kill(): void {
    const pid = this.postmasterPid();
    if (pid) signalProcess(pid, 'SIGKILL');
  }

  async ping(timeoutMs = 2000, staging = false): Promise<Health> {
    if (this.postmasterPid(staging) === undefined) return { running: false, ready: false };
    try {
      const rows = await query<{
        rec: boolean;
        lsn: string | null;
        wal: string | null;
        tli: number | null;
        receiver: string | null;
      }>(
        this.address,
        `SELECT pg_is_in_recovery() AS rec,
           CASE WHEN pg_is_in_recovery()
             THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::text
             ELSE pg_current_wal_lsn()::text END AS lsn,
           CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS wal,
           CASE WHEN pg_is_in_recovery()
             THEN (SELECT received_tli FROM pg_stat_wal_receiver LIMIT 1) END AS tli,
           (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS receiver`,
        [],
        'postgres',
        { connectTimeoutMs: timeoutMs, statementTimeoutMs: timeoutMs },
      );
      const row = rows[0];
      if (!row) return { running: true, ready: false };
      const timeline = row.wal ? timelineOfWalFile(row.wal) : (row.tli ?? undefined);
      const lsn = parseLsn(row.lsn);
      return {
        running: true,
        ready: true,
        inRecovery: row.rec,
        streaming: row.rec && row.receiver === 'streaming',
        ...(timeline ? { timeline } : {}),
        ...(lsn !== undefined ? { lsn } : {}),
      };
    } catch (err) {
      return {
        running: this.postmasterPid(staging) !== undefined,
        ready: false,
        error: (err as Error).message,
      };
    }
  }

  /**
   * Promotes a standby; returns once it takes writes. `pg_promote(wait => true)` looks only
   * every 100 ms, so the promotion is asked for without waiting and recovery's end is
   * polled on the same connection every 10 ms: it is one of the steps of every failover.
   */
  async promote(timeoutSeconds = 60): Promise<void> {
    const ok = await withClient(this.address, 'postgres', async (c) => {
      await c.query('SELECT pg_promote(false)');
      return waitUntil(
        async () =>
          (await c.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec')).rows[0]?.rec ===
          false,
        timeoutSeconds * 1000,
        10,
      );
    });
    if (!ok) throw new Error(`${this.name} did not leave recovery after pg_promote()`);
  }

  /** "Latest checkpoint location" of a stopped instance (pg_controldata). */
  async checkpointLsn(): Promise<bigint | undefined> {
    const out = await runChecked(this.bin.path('pg_controldata'), ['-D', this.pgdata], {
      user: this.user,
      timeoutMs: 30_000,
    });
    const m = /Latest checkpoint location:\s+([0-9A-F]+\/[0-9A-F]+)/.exec(out.stdout);
    return parseLsn(m?.[1]);
  }

  async reload(): Promise<void> {
    await query(this.address, 'SELECT pg_reload_conf()');
  }

  /** Parameters the running server says need a restart to take effect. */
  async pendingRestart(): Promise<string[]> {
    // pg_reload_conf() only signals: give the postmaster a moment to re-read the files.
    await sleep(150);
    const rows = await query<{ name: string }>(
      this.address,
      'SELECT name FROM pg_settings WHERE pending_restart ORDER BY name',
    );
    return rows.map((r) => r.name);
  }

  /**
   * Settings in the configuration files the server rejected (bad values, unknown names);
   * changes that merely wait for a restart are not errors.
   */
  async configErrors(): Promise<string[]> {
    const rows = await query<{ name: string | null; error: string }>(
      this.address,
      'SELECT name, error FROM pg_file_settings WHERE error IS NOT NULL',
    );
    return rows
      .filter(
        (r) => !/setting could not be applied|cannot be changed without restarting/.test(r.error),
      )
      .map((r) => (r.name ? `${r.name}: ${r.error}` : r.error));
  }

  logTail(lines = 8): string {
    try {
      const text = readFileSync(this.logFile, 'utf8');
      return text.trim().split('\n').slice(-lines).join(' | ');
    } catch {
      return '(no log)';
    }
  }

  /** Removes everything: directory, data, socket directory. The server must be stopped. */
  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
    if (!this.socketDir.startsWith(this.dir))
      rmSync(this.socketDir, { recursive: true, force: true });
  }
}
