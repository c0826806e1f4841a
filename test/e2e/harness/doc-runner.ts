/**
 * Runs the shell blocks of a Markdown document the way a reader would, so the docs cannot
 * rot. A ```sh block runs in bash (`set -euo pipefail`), in the directory and with the
 * exported variables the previous blocks left, like one terminal. A ```sh keep-running
 * block is a command the reader leaves running in a terminal of its own: it starts with a
 * fresh environment, and the run goes on once it prints a line containing `ready` (or the
 * word given as `ready=<word>` after `keep-running`, for a command that says something
 * else when it is up, such as kubectl port-forward's `Forwarding`). A
 * ```console block shows what the ```sh block before it prints: each of its lines must
 * appear in that output, with ages, versions and logical cluster names free to differ.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DocBlock {
  readonly kind: 'run' | 'keep-running' | 'output';
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** What a keep-running block prints once it is up, when not `ready`. */
  readonly ready?: string;
}

export function docBlocks(markdown: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const fence = /^```(\S*)([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm;
  for (const m of markdown.matchAll(fence)) {
    const line = markdown.slice(0, m.index).split('\n').length;
    const code = m[3] ?? '';
    if (m[1] === 'console') blocks.push({ kind: 'output', code, line });
    if (m[1] !== 'sh') continue;
    const info = (m[2] ?? '').split(/\s+/);
    const keepRunning = info.includes('keep-running');
    const ready = info.find((t) => t.startsWith('ready='))?.slice('ready='.length);
    blocks.push({
      kind: keepRunning ? 'keep-running' : 'run',
      code,
      line,
      ...(ready ? { ready } : {}),
    });
  }
  return blocks;
}

/** Tokens that differ from run to run: ages, versions, logical cluster names. */
const VOLATILE = [/^(?:\d+(?:ms|[smhd]))+$/, /^v\d+\.\d+\.\d+\S*$/, /^[a-z0-9]{16}$/];

function sameToken(expected: string, actual: string): boolean {
  return expected === actual || VOLATILE.some((re) => re.test(expected) && re.test(actual));
}

const tokens = (line: string) => line.trim().split(/\s+/).filter(Boolean);

/** The lines of `expected` (a console block) that `actual` lacks; `...` stands for lines left out. */
export function missingLines(expected: string, actual: string): string[] {
  const outputs = actual.split('\n').map(tokens);
  return expected
    .split('\n')
    .filter((line) => line.trim() !== '' && line.trim() !== '...')
    .filter((line) => {
      const want = tokens(line);
      return !outputs.some(
        (got) => got.length === want.length && want.every((t, i) => sameToken(t, got[i] as string)),
      );
    });
}

interface Background {
  readonly block: DocBlock;
  readonly child: ChildProcess;
  output: string;
}

export class DocRunner {
  private readonly state = mkdtempSync(join(tmpdir(), 'canopy-docs-state-'));
  private readonly background: Background[] = [];
  /** Long-running blocks that did not stop on Ctrl-C and were killed. */
  readonly killed: string[] = [];
  private readonly doc: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly cwd: string;

  constructor(doc: string, cwd: string, env: NodeJS.ProcessEnv) {
    this.doc = doc;
    this.cwd = cwd;
    this.env = env;
    writeFileSync(join(this.state, 'env'), '');
    writeFileSync(join(this.state, 'cwd'), cwd);
  }

  blocks(): DocBlock[] {
    return docBlocks(readFileSync(this.doc, 'utf8'));
  }

  /** Runs every block in order; fails at the first command that fails or output that differs. */
  async runAll(readyTimeoutMs: number): Promise<void> {
    let last = '';
    let lastBlock: DocBlock | undefined;
    for (const block of this.blocks()) {
      if (block.kind === 'output') {
        const missing = lastBlock ? missingLines(block.code, last) : [];
        if (missing.length > 0) {
          throw new Error(
            `${this.where(block)}: the output of the block at line ${lastBlock?.line} lacks:\n${missing.join('\n')}\n--- it printed\n${last}`,
          );
        }
        continue;
      }
      last =
        block.kind === 'keep-running'
          ? await this.start(block, readyTimeoutMs)
          : await this.exec(block);
      lastBlock = block;
    }
  }

  /** One block in the reader's terminal: the state of the blocks before it, saved after it. */
  private exec(block: DocBlock): Promise<string> {
    const envFile = join(this.state, 'env');
    const cwdFile = join(this.state, 'cwd');
    const script = [
      'set -euo pipefail',
      `cd "$(cat '${cwdFile}')"`,
      `source '${envFile}'`,
      block.code,
      `export -p > '${envFile}'`,
      `pwd > '${cwdFile}'`,
    ].join('\n');
    return new Promise((resolve, reject) => {
      execFile(
        'bash',
        ['-c', script],
        { env: this.env, cwd: this.cwd, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
        (err, stdout, stderr) => {
          if (err) {
            reject(
              new Error(
                `${this.where(block)} failed (${err.message.split('\n')[0]}):\n${block.code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}${this.backgroundTails()}`,
              ),
            );
          } else resolve(stdout + stderr);
        },
      );
    });
  }

  /** A long-running block in a new terminal: a fresh shell, in the document's directory. */
  private start(block: DocBlock, readyTimeoutMs: number): Promise<string> {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${block.code}`], {
      env: this.env,
      cwd: this.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry: Background = { block, child, output: '' };
    this.background.push(entry);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.where(block)} printed no ready line:\n${entry.output}`));
      }, readyTimeoutMs);
      const onData = (chunk: Buffer) => {
        entry.output += chunk.toString('utf8');
        if (block.ready ? entry.output.includes(block.ready) : /ready/i.test(entry.output)) {
          clearTimeout(timer);
          resolve(entry.output);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.where(block)} exited with ${code}:\n${entry.output}`));
      });
    });
  }

  /**
   * Ctrl-C to every long-running block, newest first, as the reader would; SIGKILL if one
   * hangs for a minute, noted in `killed` (what it started in a session of its own, such as
   * a PostgreSQL server, may then be left behind).
   */
  async stop(): Promise<void> {
    for (const entry of [...this.background].reverse()) {
      const { child } = entry;
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(-child.pid, 'SIGINT');
      const timer = setTimeout(() => {
        if (child.pid === undefined) return;
        this.killed.push(`${this.where(entry.block)} still ran 60 s after Ctrl-C`);
        process.kill(-child.pid, 'SIGKILL');
      }, 60_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.state, { recursive: true, force: true });
  }

  private where(block: DocBlock): string {
    return `${this.doc}:${block.line}`;
  }

  private backgroundTails(): string {
    return this.background
      .map((b) => `\n--- ${this.where(b.block)} (running)\n${b.output.slice(-3000)}`)
      .join('');
  }
}
