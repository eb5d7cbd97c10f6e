// Patched blocking calls made on the hub thread itself: with deasync the hub
// keeps serving green threads while it waits (calls nest last in, first
// out); without it Node's own call runs, with one warning.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../fixtures/patches/hub-thread.cjs', import.meta.url));

function run(env: Record<string, string> = {}) {
  const out = execFileSync(process.execPath, [fixture], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out.trim().split('\n').pop()!) as { order: string[]; during: number; dns: unknown; warnings: string[] };
}

describe('patched calls on the hub thread', () => {
  it('with deasync: the hub keeps serving green threads while it waits, and calls nest', () => {
    const r = run();
    expect(r.during).toBeGreaterThan(0);
    expect(r.order).toEqual(['inner:inner', 'outer:outer']);
    expect(r.dns).toEqual({ address: '127.0.0.1', family: 4 });
    expect(r.warnings).not.toContain('ERR_GREEN_BLOCKING_HUB');
  });

  it("without deasync: Node's own blocking call, with one warning; dns refuses", () => {
    const r = run({ GREENTHREAD_NO_DEASYNC: '1' });
    expect(r.during).toBe(0);
    expect(r.order).toEqual(['outer:outer', 'inner:inner']);
    expect(r.dns).toBe('ERR_GREEN_BLOCKING_HUB');
    expect(r.warnings.filter((w) => w === 'ERR_GREEN_BLOCKING_HUB')).toHaveLength(1);
  });
});
