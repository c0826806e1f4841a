import { describe, expect, it } from 'vitest';
import { KubeError } from '../../controller/kube/client.ts';
import { controlPlaneTrouble } from './hub-server.ts';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {
  code: 'ECONNREFUSED',
});

describe('controlPlaneTrouble', () => {
  it.each<[string, unknown, number | undefined]>([
    ['the control plane refuses connections', refused, 503],
    ['a request times out', new Error('POST /apis/x: timed out'), 503],
    ['the control plane answers 503', new KubeError(503, 'ServiceUnavailable', 'etcd'), 503],
    ['the control plane answers 500', new KubeError(500, 'InternalError', 'oops'), 503],
    ['a refusal of the control plane', new KubeError(403, 'Forbidden', 'no'), undefined],
    ['a bug of the hub', new TypeError('x is undefined'), undefined],
  ])('%s', (_, err, code) => {
    const status = controlPlaneTrouble(err);
    expect(status?.status.code).toBe(code);
    if (code) expect(status?.status.details?.retryAfterSeconds).toBe(5);
  });
});
