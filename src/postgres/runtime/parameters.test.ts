import { describe, expect, it } from 'vitest';
import {
  classifyParameterChange,
  FIXED_PARAMETERS,
  isRestartParameter,
  quoteConfValue,
  validateParameters,
} from './parameters.ts';

describe('parameter classification', () => {
  it('splits changes into reload and restart', () => {
    const change = classifyParameterChange(
      { work_mem: '4MB', shared_buffers: '128MB', max_connections: '100' },
      {
        work_mem: '8MB',
        shared_buffers: '256MB',
        max_connections: '100',
        log_min_duration_statement: '250',
      },
    );
    expect(change).toEqual({
      reload: ['log_min_duration_statement', 'work_mem'],
      restart: ['shared_buffers'],
    });
  });

  it('counts a removed parameter as a change of its kind', () => {
    expect(classifyParameterChange({ max_connections: '200', work_mem: '1MB' }, {})).toEqual({
      reload: ['work_mem'],
      restart: ['max_connections'],
    });
  });

  it('knows the postmaster-context parameters, case-insensitively', () => {
    for (const p of [
      'shared_buffers',
      'max_connections',
      'wal_level',
      'shared_preload_libraries',
      'MAX_WAL_SENDERS',
    ])
      expect(isRestartParameter(p)).toBe(true);
    for (const p of ['work_mem', 'log_statement', 'primary_conninfo', 'statement_timeout'])
      expect(isRestartParameter(p)).toBe(false);
  });
});

describe('parameter validation', () => {
  it('refuses parameters the operator owns', () => {
    for (const p of ['port', 'listen_addresses', 'primary_conninfo', 'unix_socket_directories'])
      expect(FIXED_PARAMETERS).toContain(p);
    expect(validateParameters({ port: '5432', work_mem: '4MB' }, 1)).toEqual([
      'parameter port is managed by the operator',
    ]);
  });

  it('refuses settings that break replication or the file format', () => {
    expect(validateParameters({ wal_level: 'minimal' }, 3)[0]).toMatch(/minimal/);
    expect(validateParameters({ wal_level: 'minimal' }, 1)).toEqual([]);
    expect(validateParameters({ max_wal_senders: '2' }, 3)[0]).toMatch(
      /at least the number of instances/,
    );
    expect(validateParameters({ work_mem: "4MB'\nport = 1" }, 1)[0]).toMatch(/line break/);
    expect(validateParameters({ 'bad name': '1' }, 1)[0]).toMatch(/invalid parameter name/);
  });

  it('quotes values for postgresql.conf', () => {
    expect(quoteConfValue("it's")).toBe("'it''s'");
    expect(quoteConfValue('a\\b')).toBe("'a\\\\b'");
  });
});
