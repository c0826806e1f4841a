/**
 * YAML request bodies, decoded where they cannot stall other requests. Parsing YAML costs
 * about a microsecond per byte: one 3 MiB body would hold the event loop for seconds,
 * `/livez` and every other request with it. So bodies are parsed on a worker thread
 * (`yaml-worker.ts`), one at a time, bounded in nesting depth and alias expansion (refused
 * as soon as the parser meets them), in time and in memory. The worker answers with JSON
 * text, which the caller parses with JSON's own limits.
 */
import { Worker } from 'node:worker_threads';
import { loadAll } from 'js-yaml';

/** Longest a body may take to decode before its worker is stopped (a safety net). */
export const YAML_DEADLINE_MS = 30_000;
const WORKER_HEAP_MB = 256;

/** Why a YAML body cannot be decoded; the caller answers 400 with the message. */
export class YamlError extends Error {
  override readonly name = 'YamlError';
}

/** As deep as a JSON body may nest. */
const MAX_DEPTH = 1000;
/** Aliases a document may use, and the nodes it may expand to (a 3 MiB body has fewer). */
const MAX_ALIASES = 100;
const MAX_EXPANDED_NODES = 2_000_000;

/**
 * One YAML document (YAML 1.2 core schema; a repeated key keeps its last value) as JSON text,
 * `null` for none. More than one document, nesting deeper than JSON may go, aliases that
 * expand beyond what a body could hold or form a cycle, and parse errors throw YamlError.
 * This is what the worker runs.
 */
export function yamlToJson(text: string): string {
  let docs: unknown[];
  try {
    // js-yaml refuses a document that reaches maxDepth; JSON allows MAX_DEPTH itself.
    docs = loadAll(text, { json: true, maxDepth: MAX_DEPTH + 1, maxAliases: MAX_ALIASES });
  } catch (err) {
    throw new YamlError((err as Error).message);
  }
  if (docs.length > 1) throw new YamlError('expected a single document');
  const doc = docs[0] ?? null;
  expandedSize(doc, new Map(), new Set());
  try {
    return JSON.stringify(doc) ?? 'null';
  } catch (err) {
    throw new YamlError((err as Error).message);
  }
}

/**
 * How many nodes `value` stands for once its aliases are expanded (shared nodes counted
 * where each is used), refusing a cycle or more than a body could hold.
 */
function expandedSize(value: unknown, sizes: Map<object, number>, path: Set<object>): number {
  if (typeof value !== 'object' || value === null) return 1;
  const known = sizes.get(value);
  if (known !== undefined) return known;
  if (path.has(value)) throw new YamlError('an alias refers to a node that contains it');
  path.add(value);
  let size = 1;
  for (const child of Object.values(value)) {
    size += expandedSize(child, sizes, path);
    if (size > MAX_EXPANDED_NODES) {
      throw new YamlError(`its aliases expand to more than ${MAX_EXPANDED_NODES} values`);
    }
  }
  path.delete(value);
  sizes.set(value, size);
  return size;
}

interface Job {
  readonly text: string;
  readonly resolve: (json: string) => void;
  readonly reject: (err: Error) => void;
}

type Reply = { readonly json: string } | { readonly error: string };

/** A worker thread that decodes one body at a time, restarted when it fails or overruns. */
class YamlWorker {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private current: { job: Job; timer: NodeJS.Timeout } | undefined;

  decode(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    if (this.current) return;
    const job = this.queue.shift();
    if (!job) {
      // Idle: the worker must not keep the process alive.
      this.worker?.unref();
      return;
    }
    const worker = this.started();
    worker.ref();
    const timer = setTimeout(
      () =>
        this.fail(
          new YamlError(
            `the body took longer than ${YAML_DEADLINE_MS / 1000}s to decode; send it as JSON`,
          ),
        ),
      YAML_DEADLINE_MS,
    );
    this.current = { job, timer };
    worker.postMessage(job.text);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./yaml-worker.ts', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.on('message', (reply: Reply) => {
      const current = this.current;
      if (!current) return;
      clearTimeout(current.timer);
      this.current = undefined;
      if ('json' in reply) current.job.resolve(reply.json);
      else current.job.reject(new YamlError(reply.error));
      this.next();
    });
    worker.on('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `it needs more than ${WORKER_HEAP_MB} MiB to decode`
          : err.message;
      this.fail(new YamlError(why), worker);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.fail(new YamlError('the decoder stopped'), worker);
    });
    this.worker = worker;
    return worker;
  }

  /** Fails the body being decoded, stops its worker and goes on with a fresh one. */
  private fail(err: Error, worker = this.worker): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    void worker?.terminate();
    const current = this.current;
    this.current = undefined;
    if (current) {
      clearTimeout(current.timer);
      current.job.reject(err);
    }
    this.next();
  }
}

const worker = new YamlWorker();

/** YAML text as JSON text, decoded off the event loop. Rejects with YamlError. */
export function decodeYamlOffThread(text: string): Promise<string> {
  return worker.decode(text);
}
