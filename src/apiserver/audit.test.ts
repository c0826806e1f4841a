import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_LOG_FILE, AuditLog, auditEvent, sanitizeRequestURI, sourceIPs } from './audit.ts';
import { requestInfo } from './http/request-info.ts';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'canopy-audit-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SECRET_VALUE = 'hunter2-very-secret';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln';

describe('audit log', () => {
  it('writes one metadata-only JSON line per request', async () => {
    const log = new AuditLog(join(dir, AUDIT_LOG_FILE));
    const path = '/api/v1/namespaces/team/secrets';
    // The body of this request held a secret value; the record never sees bodies.
    log.write({
      received: Date.parse('2024-05-01T12:00:00.000Z'),
      completed: Date.parse('2024-05-01T12:00:00.012Z'),
      method: 'POST',
      requestURI: `/clusters/root${path}?fieldManager=kubectl`,
      user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
      info: requestInfo('POST', path, new URLSearchParams()),
      cluster: 'root',
      code: 201,
      userAgent: 'kubectl/v1.32.0',
      sourceIPs: ['127.0.0.1'],
      decision: 'allow',
      reason: 'RBAC: allowed by RoleBinding "x/team" of Role "y" to User "alice"',
      createdName: 'db',
    });
    log.write({
      received: Date.now(),
      completed: Date.now(),
      method: 'GET',
      requestURI: `/api/v1/namespaces/team/secrets/db?token=${TOKEN}`,
      code: 401,
      sourceIPs: ['10.0.0.1'],
    });
    await log.close();
    const text = readFileSync(join(dir, AUDIT_LOG_FILE), 'utf8');
    expect(statSync(join(dir, AUDIT_LOG_FILE)).mode & 0o777).toBe(0o600);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] as string);
    expect(first).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      stage: 'ResponseComplete',
      verb: 'create',
      user: { username: 'alice', groups: ['devs', 'system:authenticated'] },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'kubectl/v1.32.0',
      objectRef: { resource: 'secrets', namespace: 'team', name: 'db', apiVersion: 'v1' },
      responseStatus: { code: 201 },
      requestReceivedTimestamp: '2024-05-01T12:00:00.000000Z',
      stageTimestamp: '2024-05-01T12:00:00.012000Z',
      annotations: {
        'canopy.io/logical-cluster': 'root',
        'canopy.io/latency': '12.000ms',
        'authorization.k8s.io/decision': 'allow',
      },
    });
    const second = JSON.parse(lines[1] as string);
    expect(second.user).toEqual({
      username: 'system:anonymous',
      groups: ['system:unauthenticated'],
    });
    expect(second.responseStatus.code).toBe(401);
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain(TOKEN);
  });

  it('drops credential-looking query parameters from the URI', () => {
    expect(sanitizeRequestURI('/api/v1/pods?watch=1&access_token=abc&labelSelector=a%3Db')).toBe(
      '/api/v1/pods?watch=1&labelSelector=a%3Db',
    );
    expect(sanitizeRequestURI('/api?token=x')).toBe('/api');
    expect(sanitizeRequestURI('/version')).toBe('/version');
  });

  it('records impersonation and non-resource requests', () => {
    const event = auditEvent(
      {
        received: 0,
        completed: 1,
        method: 'GET',
        requestURI: '/version',
        user: { username: 'admin', groups: ['system:masters'] },
        impersonatedUser: { username: 'bob', groups: ['system:authenticated'] },
        info: requestInfo('GET', '/version', new URLSearchParams()),
        code: 200,
        sourceIPs: [],
      },
      'id-1',
    );
    expect(event).toMatchObject({
      auditID: 'id-1',
      verb: 'get',
      impersonatedUser: { username: 'bob' },
    });
    expect(event).not.toHaveProperty('objectRef');
  });

  it('takes forwarded addresses first', () => {
    expect(sourceIPs({ 'x-forwarded-for': '1.2.3.4, 5.6.7.8' }, '::ffff:127.0.0.1')).toEqual([
      '1.2.3.4',
      '5.6.7.8',
      '127.0.0.1',
    ]);
  });
});
