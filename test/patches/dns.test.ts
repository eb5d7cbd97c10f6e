// dns.lookupSync and dns.resolveSync: real DNS (the system resolver and
// c-ares), compared with the async versions for the same input, in the same
// green thread.
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/patches/cp-tasks.mjs');

beforeAll(() => gt.monkeyPatch({ dns: true, childProcess: false }));

const cases: [string, string, unknown][] = [
  ['lookup', 'localhost', { family: 4 }],
  ['lookup', 'localhost', { all: true }],
  ['lookup', '127.0.0.1', undefined],
  ['lookup', 'no-such-host.invalid', undefined],
  ['lookup', '', { family: 4 }],
  ['resolve', 'no-such-host.invalid', 'A'],
  ['resolve', 'localhost', 'MX'],
];

describe('green dns', () => {
  it('is added to node:dns', () => {
    expect(gt.isPatched('dns', 'lookupSync')).toBe(true);
    expect(gt.isPatched('dns', 'resolveSync')).toBe(true);
  });

  for (const [kind, host, extra] of cases) {
    it(`${kind}Sync(${JSON.stringify(host)}, ${JSON.stringify(extra)}) answers as dns.${kind} does`, async () => {
      const before = gt.poolStats().dnsQueries;
      const r = (await gt.spawn(t.dnsBoth, kind, host, extra).result) as { green: unknown; async: unknown };
      expect(r.green).toEqual(r.async);
      expect(gt.poolStats().dnsQueries).toBe(before + 1);
    });
  }

  it('is exported from greenthread', async () => {
    expect(await gt.spawn(t.exportedLookup, 'localhost').result).toEqual({ address: '127.0.0.1', family: 4 });
  });
});
