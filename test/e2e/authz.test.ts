/**
 * Authentication and authorization, end to end, against one
 * `canopy start --plain --token-auth-file FILE --audit`: an RBAC matrix (users and groups ×
 * verbs × resources × namespaces) checked through the API and through `kubectl auth can-i`
 * (1.33 and 1.27), `can-i --list` and `whoami`, escalation prevention, impersonation,
 * service-account tokens (audience, expiry, tampering, revocation, legacy Secrets), client
 * certificates minted by `canopy kubeconfig` (and refused from another CA), anonymous
 * requests, and an audit log and server output that never carry a secret.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseKubeconfig,
  serializeKubeconfig,
  singleContextKubeconfig,
} from '../../src/apimachinery/kubeconfig.ts';
import {
  loadOrCreateSigningKey,
  ServiceAccountTokens,
  SIGNING_KEY_FILE,
} from '../../src/apiserver/authn/service-accounts.ts';
import { issueClientCertificate, loadOrCreateCA } from '../../src/apiserver/tls/pki.ts';
import { CANOPY_BIN, type CanopyProcess, startCanopy } from './harness/canopy-process.ts';
import { type Kubectl, kubectl } from './harness/kubectl.ts';
import { ownConfigMaps } from './harness/system-objects.ts';
import { until } from './harness/wait.ts';

const execFileAsync = promisify(execFile);

/** Tokens carry a random part, so finding one in a log cannot be a coincidence. */
const nonce = randomBytes(6).toString('hex');
const TOKENS = {
  alice: `alice-${nonce}-token`,
  bob: `bob-${nonce}-token`,
  carol: `carol-${nonce}-token`,
  dave: `dave-${nonce}-token`,
  mallory: `mallory-${nonce}-token`,
  ivan: `ivan-${nonce}-token`,
  frank: `frank-${nonce}-token`,
} as const;
type User = keyof typeof TOKENS;

const TOKEN_FILE = `# token,user,uid,"groups"
${TOKENS.alice},alice,uid-alice,"team-a"
${TOKENS.bob},bob,uid-bob,"readers,staff"
${TOKENS.carol},carol,uid-carol
${TOKENS.dave},dave,uid-dave,""
${TOKENS.mallory},mallory,uid-mallory,"rbac-managers"
${TOKENS.ivan},ivan,uid-ivan
${TOKENS.frank},frank,uid-frank,"auditors"
`;

/**
 * alice: ClusterRole edit bound in namespace a. bob: group readers bound to view
 * cluster-wide. carol: a Role on ConfigMap x only (resourceNames) in a. dave: nothing.
 * mallory: may manage Roles and RoleBindings in a (escalation). ivan: may impersonate
 * users, not groups. robot: a service account with view in a.
 */
const FIXTURES = `
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: x, namespace: a}
data: {k: v}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: x, namespace: b}
data: {k: v}
---
apiVersion: v1
kind: Secret
metadata: {name: x, namespace: a}
type: Opaque
data: {k: dg==}
---
apiVersion: v1
kind: Secret
metadata: {name: x, namespace: b}
type: Opaque
data: {k: dg==}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-edit, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: readers}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: configmap-x, namespace: a}
rules:
- {apiGroups: [""], resources: [configmaps], resourceNames: [x], verbs: [get, watch, update, delete]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: carol-configmap-x, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmap-x}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: rbac-manager, namespace: a}
rules:
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, list, watch, create, update, patch, delete]
- {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rbac-managers, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: rbac-manager}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: rbac-managers}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: impersonate-users}
rules:
- {apiGroups: [""], resources: [users], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ivan-impersonates-users}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: impersonate-users}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: ivan}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot, namespace: a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: robot-view, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: robot, namespace: a}]
`;

// ---- the matrix -------------------------------------------------------------------------

const MATRIX_USERS = ['alice', 'bob', 'carol', 'dave'] as const;
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'delete'] as const;
const RESOURCES = ['configmaps', 'secrets', 'namespaces'] as const;
const NAMESPACES = ['a', 'b'] as const;
type Verb = (typeof VERBS)[number];
type Resource = (typeof RESOURCES)[number];

interface Cell {
  readonly user: (typeof MATRIX_USERS)[number];
  readonly verb: Verb;
  readonly resource: Resource;
  readonly ns: (typeof NAMESPACES)[number];
}

/** Who may do what, as RBAC (upstream's too) decides it for the fixtures above. */
function allowed({ user, verb, resource, ns }: Cell): boolean {
  const read = verb === 'get' || verb === 'list' || verb === 'watch';
  switch (user) {
    case 'alice':
      // edit in a; for namespaces, GET /api/v1/namespaces/a is in the namespace a, so the
      // RoleBinding there applies (view's namespaces get), as upstream.
      if (resource === 'namespaces') return verb === 'get' && ns === 'a';
      return ns === 'a';
    case 'bob':
      return read && resource !== 'secrets';
    case 'carol':
      // resourceNames: no list (no name), no create (no name known before the object exists).
      return resource === 'configmaps' && ns === 'a' && verb !== 'list' && verb !== 'create';
    case 'dave':
      return false;
  }
}

interface Probe {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly watch?: boolean;
  /** The attributes RBAC sees: name ('' none) and namespace ('' cluster scope). */
  readonly name: string;
  readonly namespace: string;
  /** `kubectl auth can-i` arguments. */
  readonly canI: string[];
}

const KIND: Record<Resource, string> = {
  configmaps: 'ConfigMap',
  secrets: 'Secret',
  namespaces: 'Namespace',
};

/** The request of a cell. Writes are dry runs, so cells are independent of each other. */
function probe({ verb, resource, ns }: Cell): Probe {
  const object = (name: string) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: KIND[resource],
      metadata: { name, ...(resource === 'namespaces' ? {} : { namespace: ns }) },
      ...(resource === 'namespaces' ? {} : { data: { k: 'dg==' } }),
    });
  if (resource === 'namespaces') {
    const one = `/api/v1/namespaces/${ns}`;
    switch (verb) {
      case 'get':
        return {
          method: 'GET',
          path: one,
          name: ns,
          namespace: ns,
          canI: ['get', `namespaces/${ns}`, '-n', ns],
        };
      case 'list':
        return {
          method: 'GET',
          path: `/api/v1/namespaces?fieldSelector=metadata.name%3D${ns}`,
          name: ns,
          namespace: '',
          canI: ['list', `namespaces/${ns}`, '-A'],
        };
      case 'watch':
        return {
          method: 'GET',
          path: `/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3D${ns}`,
          watch: true,
          name: ns,
          namespace: '',
          canI: ['watch', `namespaces/${ns}`, '-A'],
        };
      case 'create':
        return {
          method: 'POST',
          path: '/api/v1/namespaces?dryRun=All',
          body: object(`${ns}-new`),
          name: '',
          namespace: '',
          canI: ['create', 'namespaces', '-A'],
        };
      case 'update':
        return {
          method: 'PUT',
          path: `${one}?dryRun=All`,
          body: object(ns),
          name: ns,
          namespace: ns,
          canI: ['update', `namespaces/${ns}`, '-n', ns],
        };
      case 'delete':
        return {
          method: 'DELETE',
          path: `${one}?dryRun=All`,
          name: ns,
          namespace: ns,
          canI: ['delete', `namespaces/${ns}`, '-n', ns],
        };
    }
  }
  const collection = `/api/v1/namespaces/${ns}/${resource}`;
  const x = { name: 'x', namespace: ns };
  switch (verb) {
    case 'get':
      return {
        method: 'GET',
        path: `${collection}/x`,
        ...x,
        canI: ['get', `${resource}/x`, '-n', ns],
      };
    case 'list':
      return {
        method: 'GET',
        path: collection,
        name: '',
        namespace: ns,
        canI: ['list', resource, '-n', ns],
      };
    case 'watch':
      // A watch pinned to one name is checked with that name (kubectl get cm x -w).
      return {
        method: 'GET',
        path: `${collection}?watch=true&fieldSelector=metadata.name%3Dx`,
        watch: true,
        ...x,
        canI: ['watch', `${resource}/x`, '-n', ns],
      };
    case 'create':
      return {
        method: 'POST',
        path: `${collection}?dryRun=All`,
        body: object('y'),
        name: '',
        namespace: ns,
        canI: ['create', resource, '-n', ns],
      };
    case 'update':
      return {
        method: 'PUT',
        path: `${collection}/x?dryRun=All`,
        body: object('x'),
        ...x,
        canI: ['update', `${resource}/x`, '-n', ns],
      };
    case 'delete':
      return {
        method: 'DELETE',
        path: `${collection}/x?dryRun=All`,
        ...x,
        canI: ['delete', `${resource}/x`, '-n', ns],
      };
  }
}

/** The upstream 403 message of a denied cell. */
function forbiddenMessage(user: string, verb: string, resource: string, p: Probe): string {
  const what = p.name ? `${resource} "${p.name}"` : resource;
  const where = p.namespace ? `in the namespace "${p.namespace}"` : 'at the cluster scope';
  return `${what} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "" ${where}`;
}

const CELLS: Cell[] = MATRIX_USERS.flatMap((user) =>
  VERBS.flatMap((verb) =>
    RESOURCES.flatMap((resource) => NAMESPACES.map((ns) => ({ user, verb, resource, ns }))),
  ),
);

// ---- helpers ----------------------------------------------------------------------------

interface Credentials {
  readonly token?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly headers?: Record<string, string>;
}

interface Response {
  readonly status: number;
  readonly body: string;
}

/** Runs `fn` over `items`, `width` at a time. */
async function pool<T, R>(items: readonly T[], width: number, fn: (t: T) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

const message = (r: Response): string => {
  try {
    return (JSON.parse(r.body) as { message?: string }).message ?? '';
  } catch {
    return '';
  }
};

/** Flips one character of the signature's middle, keeping it valid base64url. */
function tamperSignature(token: string): string {
  const dot = token.lastIndexOf('.');
  const i = dot + Math.floor((token.length - dot) / 2);
  const c = token[i] === 'A' ? 'B' : 'A';
  return `${token.slice(0, i)}${c}${token.slice(i + 1)}`;
}

/** Rewrites a claim of the payload, keeping the original signature. */
function tamperClaims(token: string, edit: (claims: Record<string, unknown>) => void): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  edit(claims);
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

describe('authentication and RBAC against canopy start --plain --token-auth-file --audit', () => {
  let server: CanopyProcess;
  let tmp: string;
  let k: Kubectl;
  let k27: Kubectl;
  let ca: Buffer;
  let agent: Agent;
  const secretValues: string[] = [];

  /** One HTTPS request; a watch resolves once its headers are in. */
  function api(
    creds: Credentials | null,
    method: string,
    path: string,
    body?: string,
    watch = false,
  ): Promise<Response> {
    const url = new URL(server.url);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          ca,
          agent: creds?.cert ? false : agent,
          ...(creds?.cert ? { cert: creds.cert, key: creds.key } : {}),
          headers: {
            Accept: 'application/json',
            ...(creds?.token ? { Authorization: `Bearer ${creds.token}` } : {}),
            ...(body !== undefined
              ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }
              : {}),
            ...creds?.headers,
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (watch && status === 200) {
            res.destroy();
            resolve({ status, body: '' });
            return;
          }
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => resolve({ status, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const as = (user: User): Credentials => ({ token: TOKENS[user] });

  const selfReview = (creds: Credentials | null) =>
    api(
      creds,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    );

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'canopy-authz-'));
    const tokenFile = join(tmp, 'tokens.csv');
    writeFileSync(tokenFile, TOKEN_FILE, { mode: 0o600 });
    secretValues.push(...Object.values(TOKENS));
    server = await startCanopy({
      plain: true,
      args: ['--token-auth-file', tokenFile, '--audit', '--log-level', 'debug'],
    });
    const admin = parseKubeconfig(readFileSync(server.kubeconfig, 'utf8'));
    ca = Buffer.from(admin.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64');
    agent = new Agent({ keepAlive: true, maxSockets: 16 });
    k = kubectl('1.33', server.kubeconfig, join(tmp, 'home-133'));
    k27 = kubectl('1.27', server.kubeconfig, join(tmp, 'home-127'));
    await k.ok(['apply', '-f', '-'], { input: FIXTURES });
    // The RBAC index follows the store; wait until the last bindings decide.
    await until(
      'the fixtures’ bindings',
      async () => {
        const [alice, bob, carol] = await Promise.all([
          api(as('alice'), 'GET', '/api/v1/namespaces/a/configmaps/x'),
          api(as('bob'), 'GET', '/api/v1/namespaces/b/configmaps/x'),
          api(as('carol'), 'GET', '/api/v1/namespaces/a/configmaps/x'),
        ]);
        return alice.status === 200 && bob.status === 200 && carol.status === 200;
      },
      10_000,
      50,
    );
  });

  afterAll(async () => {
    agent?.destroy();
    await server?.stop();
    server?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it(`decides all ${CELLS.length} matrix cells through the API, with upstream 403 messages`, async () => {
    const results = await pool(CELLS, 16, async (cell) => {
      const p = probe(cell);
      const r = await api(as(cell.user), p.method, p.path, p.body, p.watch);
      return { cell, p, r };
    });
    const wrong: string[] = [];
    for (const { cell, p, r } of results) {
      const label = `${cell.user} ${cell.verb} ${cell.resource} in ${cell.ns}: ${p.method} ${p.path}`;
      if (allowed(cell)) {
        if (!((r.status >= 200 && r.status < 300) || r.status === 404))
          wrong.push(`${label}: want allowed, got ${r.status} ${r.body}`);
      } else if (r.status !== 403) {
        wrong.push(`${label}: want 403, got ${r.status} ${r.body}`);
      } else {
        const want = forbiddenMessage(cell.user, cell.verb, cell.resource, p);
        if (message(r) !== want) wrong.push(`${label}: message ${message(r)}\n  want ${want}`);
        const status = JSON.parse(r.body) as { reason: string; details?: { name?: string } };
        if (status.reason !== 'Forbidden') wrong.push(`${label}: reason ${status.reason}`);
      }
    }
    expect(wrong).toEqual([]);
    // Every user is allowed somewhere and refused somewhere (dave: nowhere).
    for (const user of ['alice', 'bob', 'carol'] as const)
      expect(CELLS.some((c) => c.user === user && allowed(c))).toBe(true);
    expect(
      forbiddenMessage(
        'alice',
        'get',
        'configmaps',
        probe({ user: 'alice', verb: 'get', resource: 'configmaps', ns: 'b' }),
      ),
    ).toBe(
      'configmaps "x" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "b"',
    );
  });

  for (const version of ['1.33', '1.27'] as const) {
    it(`answers kubectl ${version} auth can-i the same for every cell`, async () => {
      const kc = version === '1.33' ? k : k27;
      await kc.ok(['auth', 'can-i', 'get', 'pods']); // fills the discovery cache once
      const results = await pool(CELLS, 8, async (cell) => {
        const r = await kc(['--token', TOKENS[cell.user], 'auth', 'can-i', ...probe(cell).canI]);
        return { cell, r };
      });
      const wrong = results
        .filter(({ cell, r }) => {
          const want = allowed(cell) ? 'yes' : 'no';
          return r.stdout.trim() !== want || r.code !== (allowed(cell) ? 0 : 1);
        })
        .map(
          ({ cell, r }) =>
            `${cell.user} can-i ${probe(cell).canI.join(' ')}: exit ${r.code} ${r.stdout.trim()} ${r.stderr.trim()}`,
        );
      expect(wrong).toEqual([]);
    });
  }

  it('lists rules with can-i --list and names users and groups with whoami', async () => {
    const list = await k.ok(['--token', TOKENS.carol, 'auth', 'can-i', '--list', '-n', 'a']);
    expect(list).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
    expect(list).toMatch(/^configmaps\s+\[\]\s+\[x\]\s+\[get watch update delete\]$/m);
    expect(list).toMatch(
      /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m,
    );
    expect(list).toMatch(/^\s+\[\/version\]\s+\[\]\s+\[get\]$/m);
    expect(list).not.toMatch(/^secrets/m);
    const inB = await k.ok(['--token', TOKENS.carol, 'auth', 'can-i', '--list', '-n', 'b']);
    expect(inB).not.toMatch(/^configmaps/m);

    const [bob133, bob127] = await Promise.all([
      k.ok(['--token', TOKENS.bob, 'auth', 'whoami', '-o', 'json']),
      k27.ok(['--token', TOKENS.bob, 'auth', 'whoami']),
    ]);
    const review = JSON.parse(bob133) as {
      status: { userInfo: { username: string; uid: string; groups: string[] } };
    };
    expect(review.status.userInfo).toEqual({
      username: 'bob',
      uid: 'uid-bob',
      groups: ['readers', 'staff', 'system:authenticated'],
    });
    expect(bob127).toMatch(/^Username\s+bob$/m);
    expect(bob127).toMatch(/^Groups\s+\[readers staff system:authenticated\]$/m);
    const dave = await k.ok(['--token', TOKENS.dave, 'auth', 'whoami']);
    expect(dave).toMatch(/^Groups\s+\[system:authenticated\]$/m);
  });

  it('refuses Roles and bindings that grant more than their author holds, unless escalate/bind', async () => {
    const mk = (args: string[]) => k(['--token', TOKENS.mallory, '-n', 'a', ...args]);
    const held = 'user "mallory" (groups=["rbac-managers" "system:authenticated"])';
    // What mallory holds, she may grant.
    await k.ok([
      '--token',
      TOKENS.mallory,
      '-n',
      'a',
      'create',
      'role',
      'cm-reader',
      '--verb=get',
      '--resource=configmaps',
    ]);

    const role = await mk(['create', 'role', 'secret-reader', '--verb=get', '--resource=secrets']);
    expect(role.code).not.toBe(0);
    expect(role.stderr).toContain(
      `roles.rbac.authorization.k8s.io "secret-reader" is forbidden: ${held} is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}`,
    );
    const binding = await mk([
      'create',
      'rolebinding',
      'mallory-admin',
      '--clusterrole=cluster-admin',
      '--user=mallory',
    ]);
    expect(binding.code).not.toBe(0);
    expect(binding.stderr).toContain(
      `rolebindings.rbac.authorization.k8s.io "mallory-admin" is forbidden: ${held} is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}`,
    );
    // Widening an existing Role is an escalation too.
    const widened = await api(
      as('mallory'),
      'PUT',
      '/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles/cm-reader',
      JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'cm-reader', namespace: 'a' },
        rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get'] }],
      }),
    );
    expect(widened.status).toBe(403);
    expect(message(widened)).toContain(
      'is attempting to grant RBAC permissions not currently held',
    );
    expect(await mk(['auth', 'can-i', 'get', 'secrets'])).toMatchObject({ code: 1 });

    // With escalate on roles and bind on cluster roles, both go through.
    await k.ok([
      '-n',
      'a',
      'create',
      'role',
      'escalator',
      '--verb=escalate,bind',
      '--resource=roles.rbac.authorization.k8s.io,clusterroles.rbac.authorization.k8s.io',
    ]);
    await k.ok([
      '-n',
      'a',
      'create',
      'rolebinding',
      'mallory-escalates',
      '--role=escalator',
      '--user=mallory',
    ]);
    await until(
      'the escalator binding',
      async () =>
        (await mk(['auth', 'can-i', 'escalate', 'roles.rbac.authorization.k8s.io'])).code === 0,
      10_000,
      50,
    );
    await k.ok([
      '--token',
      TOKENS.mallory,
      '-n',
      'a',
      'create',
      'role',
      'secret-reader',
      '--verb=get',
      '--resource=secrets',
    ]);
    await k.ok([
      '--token',
      TOKENS.mallory,
      '-n',
      'a',
      'create',
      'rolebinding',
      'mallory-admin',
      '--clusterrole=cluster-admin',
      '--user=mallory',
    ]);
    await until(
      'mallory’s cluster-admin binding in a',
      async () =>
        (await api(as('mallory'), 'GET', '/api/v1/namespaces/a/secrets/x')).status === 200,
      10_000,
      50,
    );
    // Still only in a.
    expect((await api(as('mallory'), 'GET', '/api/v1/namespaces/b/secrets/x')).status).toBe(403);
  });

  it('allows impersonation only with the impersonate verb', async () => {
    const refused = await k(['--token', TOKENS.dave, '--as=alice', '-n', 'a', 'get', 'configmaps']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'Error from server (Forbidden): users "alice" is forbidden: User "dave" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    // ivan may impersonate users but not groups.
    const asAlice = await k.ok([
      '--token',
      TOKENS.ivan,
      '--as=alice',
      '-n',
      'a',
      'get',
      'configmaps',
      '-o',
      'name',
    ]);
    expect(ownConfigMaps(asAlice)).toEqual(['configmap/x']);
    const group = await k([
      '--token',
      TOKENS.ivan,
      '--as=alice',
      '--as-group=readers',
      '-n',
      'b',
      'get',
      'configmaps',
    ]);
    expect(group.code).not.toBe(0);
    expect(group.stderr).toContain(
      'groups "readers" is forbidden: User "ivan" cannot impersonate resource "groups" in API group "" at the cluster scope',
    );

    // The admin may; the request then acts as the impersonated user, with their RBAC.
    expect(
      ownConfigMaps(await k.ok(['--as=alice', '-n', 'a', 'get', 'configmaps', '-o', 'name'])),
    ).toEqual(['configmap/x']);
    const alienB = await k(['--as=alice', '-n', 'b', 'get', 'configmaps']);
    expect(alienB.stderr).toContain(
      'configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "b"',
    );
    const whoami = await k.ok(['--as=dave', '--as-group=readers', 'auth', 'whoami']);
    expect(whoami).toMatch(/^Username\s+dave$/m);
    expect(whoami).toMatch(/^Groups\s+\[readers system:authenticated\]$/m);
    expect(
      ownConfigMaps(
        await k.ok([
          '--as=dave',
          '--as-group=readers',
          '-n',
          'b',
          'get',
          'configmaps',
          '-o',
          'name',
        ]),
      ),
    ).toEqual(['configmap/x']);
    expect((await k(['--as=dave', '-n', 'b', 'get', 'configmaps'])).code).not.toBe(0);
  });

  it('honours audience, expiry, signature and the account of service-account tokens', async () => {
    const list = (token: string) => api({ token }, 'GET', '/api/v1/namespaces/a/configmaps');
    const adminToken = parseKubeconfig(readFileSync(server.kubeconfig, 'utf8')).users[0]?.user
      .token as string;
    const tokenReview = async (token: string, audiences?: string[]) => {
      const r = await api(
        { token: adminToken },
        'POST',
        '/apis/authentication.k8s.io/v1/tokenreviews',
        JSON.stringify({
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenReview',
          spec: { token, ...(audiences ? { audiences } : {}) },
        }),
      );
      expect(r.status).toBe(201);
      return JSON.parse(r.body) as {
        status: { authenticated?: boolean; audiences?: string[]; user?: { username?: string } };
      };
    };
    const anonymousReview = await api(
      null,
      'POST',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      JSON.stringify({
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenReview',
        spec: { token: 'x' },
      }),
    );
    expect(anonymousReview.status).toBe(401); // a TokenReview needs credentials of its own

    const [forX, forApi] = await Promise.all([
      k.ok(['-n', 'a', 'create', 'token', 'robot', '--audience', 'x', '--duration', '10m']),
      k.ok(['-n', 'a', 'create', 'token', 'robot', '--duration', '10m']),
    ]);
    const tokenX = forX.trim();
    const tokenApi = forApi.trim();
    secretValues.push(tokenX, tokenApi);
    const claims = JSON.parse(Buffer.from(tokenX.split('.')[1] ?? '', 'base64url').toString()) as {
      aud: string[];
      exp: number;
      iat: number;
    };
    expect(claims.aud).toEqual(['x']);
    expect(claims.exp - claims.iat).toBe(600);

    // Audience x: good for a relying party that asks for x, not for the API.
    const forXReview = await tokenReview(tokenX, ['x']);
    expect(forXReview.status).toMatchObject({ authenticated: true, audiences: ['x'] });
    expect(forXReview.status.user?.username).toBe('system:serviceaccount:a:robot');
    expect((await tokenReview(tokenX)).status.authenticated).toBe(false);
    expect((await list(tokenX)).status).toBe(401);
    // The API's audience: works, with the account's RBAC.
    expect((await list(tokenApi)).status).toBe(200);
    expect((await api({ token: tokenApi }, 'GET', '/api/v1/namespaces/b/configmaps')).status).toBe(
      403,
    );
    const whoami = await k.ok(['--token', tokenApi, 'auth', 'whoami']);
    expect(whoami).toMatch(/^Username\s+system:serviceaccount:a:robot$/m);
    expect(whoami).toMatch(
      /^Groups\s+\[system:serviceaccounts system:serviceaccounts:a system:authenticated\]$/m,
    );

    // Tampered: a flipped signature character, or a claim rewritten under the old signature.
    const unauthorized = { status: 401 };
    expect(await list(tamperSignature(tokenApi))).toMatchObject(unauthorized);
    expect(
      await list(
        tamperClaims(tokenApi, (c) => {
          c.exp = (c.exp as number) + 3600;
        }),
      ),
    ).toMatchObject(unauthorized);
    const r401 = await list(tamperSignature(tokenApi));
    expect(JSON.parse(r401.body)).toMatchObject({
      reason: 'Unauthorized',
      message: 'Unauthorized',
    });

    // Expired: signed with the server's own key, but an hour ago.
    const uid = (
      await k.ok(['-n', 'a', 'get', 'sa', 'robot', '-o', 'jsonpath={.metadata.uid}'])
    ).trim();
    const signingKey = loadOrCreateSigningKey(join(server.dataDir, SIGNING_KEY_FILE));
    const lookup = { serviceAccount: async () => undefined, secret: async () => undefined };
    const sa = { cluster: 'root', namespace: 'a', name: 'robot', uid };
    const now = Math.floor(Date.now() / 1000);
    const fresh = new ServiceAccountTokens({ signingKey, lookup }).mint({
      serviceAccount: sa,
      expirationSeconds: 600,
    }).token;
    const expired = new ServiceAccountTokens({ signingKey, lookup, now: () => now - 3600 }).mint({
      serviceAccount: sa,
      expirationSeconds: 600,
    }).token;
    secretValues.push(fresh, expired);
    expect((await list(fresh)).status).toBe(200); // the crafting itself is sound
    expect((await list(expired)).status).toBe(401);
    expect((await tokenReview(expired)).status.authenticated).toBe(false);

    // Revoked: the account deleted, then recreated under the same name (a new uid).
    await k.ok(['-n', 'a', 'create', 'serviceaccount', 'temp']);
    const temp = (await k.ok(['-n', 'a', 'create', 'token', 'temp', '--duration', '10m'])).trim();
    secretValues.push(temp);
    expect((await selfReview({ token: temp })).status).toBe(201);
    await k.ok(['-n', 'a', 'delete', 'serviceaccount', 'temp']);
    expect((await selfReview({ token: temp })).status).toBe(401);
    await k.ok(['-n', 'a', 'create', 'serviceaccount', 'temp']);
    expect((await selfReview({ token: temp })).status).toBe(401);
    const renewed = (
      await k.ok(['-n', 'a', 'create', 'token', 'temp', '--duration', '10m'])
    ).trim();
    secretValues.push(renewed);
    expect((await selfReview({ token: renewed })).status).toBe(201);

    // A legacy token Secret gets its token, which works until the Secret goes.
    await k.ok(['apply', '-f', '-'], {
      input: `apiVersion: v1
kind: Secret
metadata:
  name: robot-legacy
  namespace: a
  annotations: {kubernetes.io/service-account.name: robot}
type: kubernetes.io/service-account-token
`,
    });
    let legacy = '';
    await until(
      'the legacy token',
      async () => {
        const data = await k.ok([
          '-n',
          'a',
          'get',
          'secret',
          'robot-legacy',
          '-o',
          'jsonpath={.data.token}',
        ]);
        legacy = Buffer.from(data, 'base64').toString('utf8');
        return legacy !== '';
      },
      10_000,
      50,
    );
    secretValues.push(legacy);
    const populated = JSON.parse(
      await k.ok(['-n', 'a', 'get', 'secret', 'robot-legacy', '-o', 'json']),
    ) as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
    expect(Object.keys(populated.data).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    expect(Buffer.from(populated.data.namespace ?? '', 'base64').toString()).toBe('a');
    expect(Buffer.from(populated.data['ca.crt'] ?? '', 'base64')).toEqual(ca);
    expect(populated.metadata.annotations['kubernetes.io/service-account.uid']).toBe(uid);
    expect((await list(legacy)).status).toBe(200);
    await k.ok(['-n', 'a', 'delete', 'secret', 'robot-legacy']);
    expect((await list(legacy)).status).toBe(401);
  });

  it('authenticates client certificates from canopy kubeconfig, and refuses another CA’s', async () => {
    const help = await execFileAsync(process.execPath, [CANOPY_BIN, 'kubeconfig', '--help']);
    expect(help.stdout).toContain('--user <name>');
    expect(help.stdout).toContain('--group <name>');

    const file = join(tmp, 'erin.kubeconfig');
    await execFileAsync(process.execPath, [
      CANOPY_BIN,
      'kubeconfig',
      '--data-dir',
      server.dataDir,
      '--user',
      'erin',
      '--group',
      'devs',
      '--expiration',
      '1h',
      '-o',
      file,
    ]);
    const config = parseKubeconfig(readFileSync(file, 'utf8'));
    expect(config.clusters[0]?.cluster.server).toBe(server.url);
    expect(config['current-context']).toBe('erin@default');
    expect(config.users[0]?.user['client-key-data']).toBeTruthy();
    const erin = kubectl('1.33', file, join(tmp, 'home-133'));
    const whoami = JSON.parse(await erin.ok(['auth', 'whoami', '-o', 'json'])) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    expect(whoami.status.userInfo.username).toBe('erin');
    expect(whoami.status.userInfo.groups).toEqual(['devs', 'system:authenticated']);
    // The certificate's group is what RBAC binds.
    expect((await erin(['-n', 'a', 'get', 'configmaps'])).code).not.toBe(0);
    await k.ok([
      '-n',
      'a',
      'create',
      'rolebinding',
      'devs-view',
      '--clusterrole=view',
      '--group=devs',
    ]);
    await until(
      'devs-view',
      async () => (await erin(['-n', 'a', 'get', 'configmaps'])).code === 0,
      10_000,
      50,
    );

    // Printed to stdout, with an explicit server and context.
    const printed = await execFileAsync(process.execPath, [
      CANOPY_BIN,
      'kubeconfig',
      '--data-dir',
      server.dataDir,
      '--user',
      'ci',
      '--server',
      'https://canopy.example:6443',
      '--context',
      'ci',
    ]);
    const ciConfig = parseKubeconfig(printed.stdout);
    expect(ciConfig.clusters[0]?.cluster.server).toBe('https://canopy.example:6443');
    expect(ciConfig['current-context']).toBe('ci');
    const noUser = await execFileAsync(process.execPath, [
      CANOPY_BIN,
      'kubeconfig',
      '--data-dir',
      server.dataDir,
    ]).catch((e: { code: number; stderr: string }) => e);
    expect(noUser).toMatchObject({ code: 1 });
    expect((noUser as { stderr: string }).stderr).toContain('--user is required');

    // Another CA, even claiming system:masters, authenticates nobody; so does an expired one.
    const foreign = await loadOrCreateCA(mkdtempSync(join(tmp, 'foreign-ca-')), 'intruder-ca');
    const forged = await issueClientCertificate(foreign, 'erin', ['system:masters']);
    const foreignFile = join(tmp, 'foreign.kubeconfig');
    writeFileSync(
      foreignFile,
      serializeKubeconfig(
        singleContextKubeconfig({
          name: 'foreign',
          server: server.url,
          caPem: ca.toString(),
          user: {
            'client-certificate-data': Buffer.from(forged.cert).toString('base64'),
            'client-key-data': Buffer.from(forged.key).toString('base64'),
          },
        }),
      ),
    );
    const refused = await kubectl(
      '1.33',
      foreignFile,
      join(tmp, 'home-133'),
    )(['get', 'namespaces']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Unauthorized');
    expect(
      (await api({ cert: forged.cert, key: forged.key }, 'GET', '/api/v1/namespaces')).status,
    ).toBe(401);
    const ours = await loadOrCreateCA(server.dataDir);
    const good = await issueClientCertificate(ours, 'erin', ['devs']);
    expect((await selfReview({ cert: good.cert, key: good.key })).status).toBe(201);
    const stale = await issueClientCertificate(ours, 'erin', ['system:masters'], -1000);
    expect(
      (await api({ cert: stale.cert, key: stale.key }, 'GET', '/api/v1/namespaces')).status,
    ).toBe(401);
  });

  it('answers anonymous requests with 401, except health and version', async () => {
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) {
      const r = await api(null, 'GET', path);
      expect(r.status, path).toBe(200);
    }
    const v = JSON.parse((await api(null, 'GET', '/version')).body) as { major: string };
    expect(v.major).toBe('1');
    for (const path of [
      '/api',
      '/apis',
      '/api/v1/namespaces',
      '/api/v1/namespaces/a/configmaps/x',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      '/openapi/v2',
      '/openapi/v3',
      '/metrics',
    ]) {
      const r = await api(null, 'GET', path);
      expect(r.status, path).toBe(401);
      expect(JSON.parse(r.body), path).toMatchObject({
        kind: 'Status',
        reason: 'Unauthorized',
        code: 401,
      });
    }
    expect((await selfReview(null)).status).toBe(401);
    expect((await api({ token: 'not-a-token' }, 'GET', '/api')).status).toBe(401);
    expect((await api({ token: `${TOKENS.alice}x` }, 'GET', '/api')).status).toBe(401);
    const anonymous = await k(['--token', 'not-a-token', 'get', 'namespaces']);
    expect(anonymous.stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });

  it('audits one metadata line per request and never logs secrets', async () => {
    const value = `canary-${randomBytes(8).toString('hex')}`;
    secretValues.push(value, Buffer.from(value).toString('base64'));
    await k.ok([
      '-n',
      'a',
      'create',
      'secret',
      'generic',
      'canary',
      `--from-literal=password=${value}`,
    ]);
    const minted = (
      await k.ok(['-n', 'a', 'create', 'token', 'robot', '--duration', '10m'])
    ).trim();
    secretValues.push(minted);
    expect((await api({ token: minted }, 'GET', '/api/v1/namespaces/a/configmaps')).status).toBe(
      200,
    );

    // frank makes exactly four requests.
    const frank = as('frank');
    const requests = [
      {
        r: await api(frank, 'GET', '/api/v1/namespaces/a/secrets/canary'),
        verb: 'get',
        resource: 'secrets',
        name: 'canary',
        namespace: 'a',
        code: 403,
      },
      {
        r: await api(
          frank,
          'POST',
          '/api/v1/namespaces/b/configmaps',
          JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'z' } }),
        ),
        verb: 'create',
        resource: 'configmaps',
        namespace: 'b',
        code: 403,
      },
      {
        r: await api(frank, 'GET', '/api/v1/namespaces'),
        verb: 'list',
        resource: 'namespaces',
        code: 403,
      },
      { r: await selfReview(frank), verb: 'create', resource: 'selfsubjectreviews', code: 201 },
    ];
    for (const q of requests) expect(q.r.status).toBe(q.code);

    const auditPath = join(server.dataDir, 'audit.log');
    type Event = {
      verb: string;
      user: { username: string; groups: string[] };
      objectRef?: { resource: string; name?: string; namespace?: string };
      responseStatus: { code: number };
      requestURI: string;
    };
    let frankLines: Event[] = [];
    await until(
      'frank’s audit lines',
      async () => {
        frankLines = readFileSync(auditPath, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Event)
          .filter((e) => e.user.username === 'frank');
        return frankLines.length >= requests.length;
      },
      10_000,
      50,
    );
    expect(frankLines).toHaveLength(requests.length);
    frankLines.forEach((e, i) => {
      const q = requests[i] as (typeof requests)[number];
      expect(e.user).toEqual({
        username: 'frank',
        uid: 'uid-frank',
        groups: ['auditors', 'system:authenticated'],
      });
      expect(e.verb).toBe(q.verb);
      expect(e.objectRef?.resource).toBe(q.resource);
      expect(e.objectRef?.name).toBe('name' in q ? q.name : undefined);
      expect(e.objectRef?.namespace).toBe('namespace' in q ? q.namespace : undefined);
      expect(e.responseStatus.code).toBe(q.code);
    });
    // A create names its object in the body, not the URL; the line names it all the same.
    const createdNames = readFileSync(auditPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Event)
      .filter(
        (e) =>
          e.verb === 'create' &&
          e.objectRef?.resource === 'secrets' &&
          e.objectRef.namespace === 'a' &&
          e.responseStatus.code === 201,
      )
      .map((e) => e.objectRef?.name);
    expect(createdNames).toContain('canary');
    // Anonymous and failed authentications are audited too, as system:anonymous.
    expect(readFileSync(auditPath, 'utf8')).toContain('"username":"system:anonymous"');

    // Stop the server so every line is flushed, then look for every secret everywhere.
    expect(await server.stop()).toBe(0);
    const audit = readFileSync(auditPath, 'utf8');
    const output = server.output();
    expect(audit.split('\n').filter((l) => l !== '').length).toBeGreaterThan(400);
    for (const secret of secretValues) {
      expect(audit.includes(secret), `audit log has ${secret.slice(0, 12)}…`).toBe(false);
      expect(output.includes(secret), `server output has ${secret.slice(0, 12)}…`).toBe(false);
    }
    expect(audit).toContain('"resource":"secrets"');
    expect(audit).toContain('"name":"canary"');
  });
});
