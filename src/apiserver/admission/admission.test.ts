import { describe, expect, it } from 'vitest';
import { AdmissionChain, type AdmissionPlugin, type AdmissionRequest } from './admission.ts';

const ran: string[] = [];
const plugin = (name: string): AdmissionPlugin => ({
  name,
  admit: () => {
    ran.push(`admit ${name}`);
  },
  validate: () => {
    ran.push(`validate ${name}`);
  },
});
const request = {} as AdmissionRequest;

describe('admission chain', () => {
  it('runs plugins at their place in the order, mutating first, whatever order they were added in', async () => {
    const chain = new AdmissionChain(['A', 'B', 'C']);
    chain.add(plugin('C'));
    chain.add(plugin('A'));
    chain.add(plugin('B'));
    expect(chain.names).toEqual(['A', 'B', 'C']);
    ran.length = 0;
    await chain.admit(request);
    await chain.validate(request);
    expect(ran).toEqual([
      'admit A',
      'admit B',
      'admit C',
      'validate A',
      'validate B',
      'validate C',
    ]);
  });

  it('refuses a plugin the order does not name, and one added twice', () => {
    const chain = new AdmissionChain(['A']);
    expect(() => chain.add(plugin('Z'))).toThrow(/Z is not in the server's admission order/);
    chain.add(plugin('A'));
    expect(() => chain.add(plugin('A'))).toThrow(/added twice/);
  });

  it('without an order, runs plugins as added (unit tests)', () => {
    const chain = new AdmissionChain();
    chain.add(plugin('B'));
    chain.add(plugin('A'));
    expect(chain.names).toEqual(['B', 'A']);
  });
});
