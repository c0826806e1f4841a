/**
 * Test doubles for the plugin unit tests: an in-memory kcp behind the Transport
 * interface (workspaces, discovery, APIBindings, APIExports), an in-memory kubeconfig
 * store, and a PluginContext with captured output and a fake clock.
 */
import type { Kubeconfig } from '../../apimachinery/kubeconfig.ts';
import { joinPath, splitPath } from '../../apimachinery/logicalcluster.ts';
import type { PluginContext } from './context.ts';
import type { APIBinding, APIExport, Workspace } from './kcp-api.ts';
import type { HttpResponse, Method, Transport } from './transport.ts';

function status(code: number, reason: string, message: string): HttpResponse {
  const body = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
  return { status: code, body, text: JSON.stringify(body) };
}

function ok(body: unknown, code = 200): HttpResponse {
  return { status: code, body, text: JSON.stringify(body) };
}

export interface FakeRequest {
  readonly method: Method;
  readonly path: string;
  readonly body?: unknown;
}

/** A small in-memory kcp: enough for the plugins' requests. */
export class FakeKcp {
  readonly base: string;
  /** Workspaces by the path they live in. */
  readonly workspaces = new Map<string, Workspace[]>();
  readonly bindings = new Map<string, APIBinding[]>();
  readonly exports = new Map<string, APIExport[]>();
  /** Paths whose discovery answers 403. */
  readonly denied = new Set<string>();
  /** Paths where reading Workspaces answers 403. */
  readonly forbiddenWorkspaceReads = new Set<string>();
  /** Served apis.kcp.io versions, preferred first; empty = not served. */
  apisVersions: string[] = ['v1alpha2', 'v1alpha1'];
  /** Path of the caller's home workspace, if the server has homes. */
  home: string | undefined;
  /** GETs of a new workspace before it turns Ready. */
  readyAfterGets = 1;
  /** GETs of a new APIBinding before it turns Bound (Infinity: never). */
  boundAfterGets = 1;
  /** APIBinding updates to refuse with a Conflict before accepting one. */
  conflicts = 0;
  /** The status a new APIBinding gets (before it is Bound). */
  newBindingStatus: APIBinding['status'] = { phase: 'Binding' };
  /** `<path>:<name>` of exports the binding controller reports as not found. */
  readonly missingExports = new Set<string>();
  /** Type admission gives workspaces created without one. */
  defaultType = { name: 'universal', path: 'root' };
  readonly requests: FakeRequest[] = [];
  private readonly pendingGets = new Map<string, number>();

  constructor(base = 'https://kcp.test:6443') {
    this.base = base;
  }

  /** Adds a Ready workspace at `path` (its parents must exist or be root). */
  addWorkspace(
    path: string,
    options: { type?: { name: string; path?: string }; mount?: boolean } = {},
  ): Workspace {
    const [parent, name] = splitPath(path);
    const ws: Workspace = {
      apiVersion: 'tenancy.kcp.io/v1alpha1',
      kind: 'Workspace',
      metadata: { name },
      spec: {
        type: options.type ?? { ...this.defaultType },
        URL: options.mount
          ? `${this.base}/services/mounts/${name}`
          : `${this.base}/clusters/${path}`,
        ...(options.mount ? { mount: { ref: { kind: 'Mount', name } } } : {}),
      },
      status: { phase: 'Ready' },
    };
    const list = this.workspaces.get(parent) ?? [];
    list.push(ws);
    this.workspaces.set(parent, list);
    return ws;
  }

  /** True when `path` names root or an existing (non-mount) workspace. */
  exists(path: string): boolean {
    if (path === 'root') return true;
    const [parent, name] = splitPath(path);
    return (this.workspaces.get(parent) ?? []).some(
      (w) => w.metadata.name === name && !w.spec?.mount,
    );
  }

  transport(): Transport {
    return { request: async (method, path, body) => this.handle(method, path, body) };
  }

  private handle(method: Method, fullPath: string, body?: unknown): HttpResponse {
    this.requests.push({ method, path: fullPath, ...(body === undefined ? {} : { body }) });
    const m = /^\/clusters\/([^/]+)(\/.*)?$/.exec(fullPath);
    if (!m) return status(404, 'NotFound', 'the server could not find the requested resource');
    const ws = decodeURIComponent(m[1] as string);
    const rest = m[2] ?? '';
    if (!this.exists(ws) || this.denied.has(ws)) {
      return status(403, 'Forbidden', 'workspace access not permitted');
    }
    if (rest === '/api') return ok({ kind: 'APIVersions', versions: ['v1'] });
    if (rest === '/apis') {
      const groups = [
        {
          name: 'tenancy.kcp.io',
          versions: [{ groupVersion: 'tenancy.kcp.io/v1alpha1', version: 'v1alpha1' }],
          preferredVersion: { groupVersion: 'tenancy.kcp.io/v1alpha1', version: 'v1alpha1' },
        },
      ];
      if (this.apisVersions.length > 0) {
        groups.push({
          name: 'apis.kcp.io',
          versions: this.apisVersions.map((v) => ({
            groupVersion: `apis.kcp.io/${v}`,
            version: v,
          })),
          preferredVersion: {
            groupVersion: `apis.kcp.io/${this.apisVersions[0]}`,
            version: this.apisVersions[0] as string,
          },
        });
      }
      return ok({ kind: 'APIGroupList', groups });
    }
    const apisVersion = /^\/apis\/apis\.kcp\.io\/([^/]+)$/.exec(rest);
    if (apisVersion && this.apisVersions.includes(apisVersion[1] as string)) {
      return ok({
        kind: 'APIResourceList',
        groupVersion: `apis.kcp.io/${apisVersion[1]}`,
        resources: [{ name: 'apibindings' }, { name: 'apiexports' }],
      });
    }
    const wsRoute = /^\/apis\/tenancy\.kcp\.io\/v1alpha1\/workspaces(?:\/([^/]+))?$/.exec(rest);
    if (wsRoute)
      return this.workspaceRoute(method, ws, wsRoute[1] && decodeURIComponent(wsRoute[1]), body);
    const apisRoute =
      /^\/apis\/apis\.kcp\.io\/([^/]+)\/(apibindings|apiexports)(?:\/([^/]+))?$/.exec(rest);
    if (apisRoute && this.apisVersions.includes(apisRoute[1] as string)) {
      return this.apisRoute(method, ws, apisRoute[2] as string, apisRoute[3], body);
    }
    return status(404, 'NotFound', 'the server could not find the requested resource');
  }

  private workspaceRoute(
    method: Method,
    ws: string,
    name: string | undefined,
    body: unknown,
  ): HttpResponse {
    if (this.forbiddenWorkspaceReads.has(ws)) {
      return status(
        403,
        'Forbidden',
        `workspaces.tenancy.kcp.io is forbidden: User "u" cannot get resource "workspaces"`,
      );
    }
    const list = this.workspaces.get(ws) ?? [];
    if (method === 'GET' && name === undefined) {
      return ok({ kind: 'WorkspaceList', apiVersion: 'tenancy.kcp.io/v1alpha1', items: list });
    }
    if (method === 'GET' && name === '~') {
      if (!this.home) return status(404, 'NotFound', 'workspaces.tenancy.kcp.io "~" not found');
      return ok({
        metadata: { name: 'home' },
        spec: { URL: `${this.base}/clusters/${this.home}`, type: { name: 'home', path: 'root' } },
      });
    }
    if (method === 'GET' && name !== undefined) {
      const found = list.find((w) => w.metadata.name === name);
      if (!found) return status(404, 'NotFound', `workspaces.tenancy.kcp.io "${name}" not found`);
      const key = `${ws}/${name}`;
      const left = this.pendingGets.get(key);
      if (left !== undefined) {
        if (left <= 1) {
          this.pendingGets.delete(key);
          found.status = { phase: 'Ready' };
          found.spec = { ...found.spec, URL: `${this.base}/clusters/${joinPath(ws, name)}` };
        } else {
          this.pendingGets.set(key, left - 1);
        }
      }
      return ok(found);
    }
    if (method === 'POST' && name === undefined) {
      const wanted = body as Workspace;
      if (list.some((w) => w.metadata.name === wanted.metadata.name)) {
        return status(
          409,
          'AlreadyExists',
          `workspaces.tenancy.kcp.io "${wanted.metadata.name}" already exists`,
        );
      }
      const type = wanted.spec?.type
        ? { name: wanted.spec.type.name, path: wanted.spec.type.path ?? 'root' }
        : { ...this.defaultType };
      const created: Workspace = {
        ...structuredClone(wanted),
        spec: { ...structuredClone(wanted.spec), type },
        status: { phase: 'Scheduling' },
      };
      list.push(created);
      this.workspaces.set(ws, list);
      this.pendingGets.set(`${ws}/${wanted.metadata.name}`, this.readyAfterGets);
      return ok(created, 201);
    }
    return status(405, 'MethodNotAllowed', 'method not allowed');
  }

  private apisRoute(
    method: Method,
    ws: string,
    resource: string,
    name: string | undefined,
    body: unknown,
  ): HttpResponse {
    if (resource === 'apiexports') {
      const found = (this.exports.get(ws) ?? []).find((e) => e.metadata.name === name);
      return found
        ? ok(found)
        : status(404, 'NotFound', `apiexports.apis.kcp.io "${name}" not found`);
    }
    const list = this.bindings.get(ws) ?? [];
    if (method === 'GET' && name === undefined) return ok({ kind: 'APIBindingList', items: list });
    const index = list.findIndex((b) => b.metadata.name === name);
    const found = list[index];
    const notFound = () => status(404, 'NotFound', `apibindings.apis.kcp.io "${name}" not found`);
    if (method === 'GET') {
      if (!found) return notFound();
      const key = `binding:${ws}/${name}`;
      const left = this.pendingGets.get(key);
      if (left !== undefined) {
        if (left <= 1) {
          this.pendingGets.delete(key);
          this.bind(found);
        } else {
          this.pendingGets.set(key, left - 1);
        }
      }
      return ok(found);
    }
    if (method === 'PUT') {
      if (!found) return notFound();
      const wanted = structuredClone(body as APIBinding);
      if (
        this.conflicts > 0 ||
        wanted.metadata.resourceVersion !== found.metadata.resourceVersion
      ) {
        this.conflicts = Math.max(0, this.conflicts - 1);
        return status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on apibindings.apis.kcp.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      const updated: APIBinding = {
        ...found,
        ...(wanted.spec ? { spec: wanted.spec } : {}),
        metadata: { ...found.metadata, resourceVersion: this.nextVersion() },
      };
      list[index] = updated;
      return ok(updated);
    }
    if (method === 'DELETE') {
      if (!found) return notFound();
      list.splice(index, 1);
      return ok({ kind: 'Status', status: 'Success' });
    }
    if (method === 'POST') {
      const wanted = structuredClone(body as APIBinding);
      if (list.some((b) => b.metadata.name === wanted.metadata.name)) {
        return status(
          409,
          'AlreadyExists',
          `apibindings.apis.kcp.io "${wanted.metadata.name}" already exists`,
        );
      }
      wanted.metadata.resourceVersion = this.nextVersion();
      const ref = wanted.spec?.reference?.export;
      const missing = `${ref?.path}:${ref?.name}`;
      wanted.status = this.missingExports.has(missing)
        ? {
            phase: 'Binding',
            conditions: [
              {
                type: 'APIExportValid',
                status: 'False',
                reason: 'APIExportNotFound',
                message: `APIExport ${missing} not found`,
              },
            ],
          }
        : structuredClone(this.newBindingStatus);
      list.push(wanted);
      this.bindings.set(ws, list);
      if (!this.missingExports.has(missing))
        this.pendingGets.set(`binding:${ws}/${wanted.metadata.name}`, this.boundAfterGets);
      return ok(wanted, 201);
    }
    return status(405, 'MethodNotAllowed', 'method not allowed');
  }

  private version = 0;
  private nextVersion(): string {
    this.version++;
    return String(this.version);
  }

  /** What the binding controller does: Bound, with the export's claims in the status. */
  private bind(binding: APIBinding): void {
    const ref = binding.spec?.reference?.export;
    const exp = (this.exports.get(ref?.path ?? '') ?? []).find(
      (e) => e.metadata.name === ref?.name,
    );
    binding.status = {
      ...binding.status,
      phase: 'Bound',
      exportPermissionClaims: exp?.spec?.permissionClaims ?? [],
    };
  }
}

/** A kubeconfig store in memory; `saved` records every write. */
function memoryStore(initial: Kubeconfig): {
  load(): Kubeconfig;
  save(next: Kubeconfig): void;
  saved: Kubeconfig[];
  current(): Kubeconfig;
} {
  let config = structuredClone(initial);
  const saved: Kubeconfig[] = [];
  return {
    load: () => structuredClone(config),
    save(next) {
      config = structuredClone(next);
      saved.push(structuredClone(next));
    },
    saved,
    current: () => structuredClone(config),
  };
}

/** A kubeconfig with one context `kcp` pointing at `server`. */
export function kubeconfigFor(server: string, extra: Partial<Kubeconfig> = {}): Kubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kcp', cluster: { server, 'certificate-authority-data': 'Q0E=' } }],
    users: [{ name: 'admin', user: { token: 'secret' } }],
    contexts: [{ name: 'kcp', context: { cluster: 'kcp', user: 'admin' } }],
    'current-context': 'kcp',
    ...extra,
  };
}

export interface FakeContext extends PluginContext {
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly store: ReturnType<typeof memoryStore>;
  stdin: string;
  clock: number;
}

export function fakeContext(kcp: FakeKcp, config: Kubeconfig, home = '/home/user'): FakeContext {
  let out = '';
  let err = '';
  const store = memoryStore(config);
  const ctx: FakeContext = {
    io: {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      readStdin: async () => ctx.stdin,
    },
    store,
    overrides: {},
    connect: async (_config, base) => {
      if (base !== kcp.base) throw new Error(`unexpected base URL ${base}`);
      return kcp.transport();
    },
    homeDir: () => home,
    sleep: async (ms) => {
      ctx.clock += ms;
    },
    now: () => ctx.clock,
    stdout: () => out,
    stderr: () => err,
    stdin: '',
    clock: 0,
  };
  return ctx;
}
