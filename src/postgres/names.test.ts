import { describe, expect, it } from 'vitest';
import {
  appSecretName,
  compareInstanceNames,
  instanceName,
  instanceSerial,
  readServiceName,
  superuserSecretName,
  writeServiceName,
} from './names.ts';

describe('names', () => {
  it('names instances, Secrets and services as CloudNativePG does', () => {
    expect(instanceName('kcp', 1)).toBe('kcp-1');
    expect(superuserSecretName('kcp')).toBe('kcp-superuser');
    expect(appSecretName('kcp')).toBe('kcp-app');
    expect(writeServiceName('kcp')).toBe('kcp-rw');
    expect(readServiceName('kcp')).toBe('kcp-r');
  });

  it('reads instance serials back', () => {
    expect(instanceSerial('kcp', 'kcp-12')).toBe(12);
    expect(instanceSerial('kcp', 'kcp-0')).toBeUndefined();
    expect(instanceSerial('kcp', 'other-1')).toBeUndefined();
    expect(instanceSerial('my-db', 'my-db-3')).toBe(3);
  });

  it('sorts by serial', () => {
    expect(['kcp-10', 'kcp-2', 'kcp-1'].sort(compareInstanceNames)).toEqual([
      'kcp-1',
      'kcp-2',
      'kcp-10',
    ]);
  });
});
