// Fibers in processes of their own: process.exit inside a fiber, and 100
// fibers suspended at once (each holds a carrier: a worker thread).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/fibers/${name}`, import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
function run(name: string, prefix: string[] = []) {
  const r = spawnSync(process.execPath, [...prefix, fixture(name)], { encoding: 'utf8', timeout: 150_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('fibers in a process of their own', () => {
  it('process.exit(n) in a fiber ends the process with n, after its output; run() never returns', () => {
    const r = run('exit.mjs');
    expect(r.err).toBe('');
    expect(r.status).toBe(7);
    expect(r.out).toBe('exiting\n');
  });

  it('a patched blocking call in a fiber parks on the hub: run() returns, the hub resumes the fiber', () => {
    const r = run('patched.mjs');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^run returned undefined$/m);
    expect(r.out).toMatch(/^fiber said from a patched execSync$/m);
    expect(r.out).toMatch(/^children run by the hub 1$/m);
  });

  it('under greenthread run, the app (green thread 0) runs fibers on other carriers', () => {
    const r = run('run-app.cjs', [cli, 'run']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out.split('\n')).toEqual(['0 1 1 2 3 5 8 13', 'task undefined 42', '']);
  });

  it('100 fibers suspended at once, all resumed', { timeout: 160_000 }, () => {
    const r = run('many.mjs');
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(result).toEqual({ firstOk: true, allSuspended: true, live: expect.any(Number), secondOk: true, anyStarted: false });
    expect(result.live).toBeGreaterThanOrEqual(100);
  });
});
