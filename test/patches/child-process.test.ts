// monkeyPatch() and child_process: the green functions against Node's own,
// called in the same green thread, over valid and invalid inputs.
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/patches/cp-tasks.mjs');
const { spawn, monkeyPatch, isPatched, getOriginal, GreenThreadExit, GreenArgumentError } = gt;

beforeAll(() => monkeyPatch());

type Both = { green: unknown; node: unknown };

const corpus: [string, ...unknown[]][] = [
  ['execSync', 'echo hi; echo err >&2'],
  ['execSync', 'exit 3', { stdio: 'pipe' }],
  ['execSync', 'cat', { input: 'from stdin', encoding: 'utf8' }],
  ['execSync', 'echo $GT_X', { env: { GT_X: 'env ok', PATH: process.env.PATH }, encoding: 'utf8' }],
  ['execSync', 'printf "%s" "$0"', { shell: '/bin/bash', encoding: 'utf8' }],
  ['execSync', 'echo quiet', { stdio: 'ignore' }],
  ['execSync', 'kill -9 $$', { stdio: 'pipe' }],
  ['spawnSync', 'sh', ['-c', 'echo out; echo err >&2; exit 4'], { encoding: 'utf8' }],
  ['spawnSync', 'printf', ['%s|', 'a b', 'c']],
  ['spawnSync', 'echo', { stdio: 'pipe' }],
  ['spawnSync', '/bin/nope', ['a']],
  ['spawnSync', 'nope-not-on-path', { shell: false }],
  ['spawnSync', 'sleep', ['2'], { timeout: 100 }],
  ['spawnSync', 'sleep', ['2'], { timeout: 100, killSignal: 'SIGKILL' }],
  ['spawnSync', 'cat', [], { input: Buffer.from([0, 1, 2, 255]) }],
  ['spawnSync', 'sh', ['-c', 'echo $0'], { argv0: 'custom-argv0', encoding: 'utf8' }],
  ['execFileSync', 'sh', ['-c', 'echo oops >&2; exit 2'], { stdio: 'pipe' }],
  ['execFileSync', 'pwd', [], { cwd: '/tmp', encoding: 'utf8' }],
  ['execFileSync', 'pwd', { cwd: '/no/such/dir' }],
  ['execFileSync', '/bin/nope'],
];

describe('child_process made green: same results and errors as Node', () => {
  it('patches the blocking and the starting functions, and keeps the originals', () => {
    expect(isPatched('child_process')).toBe(true);
    for (const name of ['execSync', 'execFileSync', 'spawnSync', 'spawn', 'exec', 'execFile', 'fork']) expect(isPatched('node:child_process', name)).toBe(true);
    expect(typeof getOriginal('child_process', 'execSync')).toBe('function');
    expect(() => getOriginal('child_process', 'ChildProcess')).toThrow(GreenArgumentError);
  });

  for (const [method, ...args] of corpus) {
    it(`${method}(${args.map((a) => JSON.stringify(a)).join(', ')})`, async () => {
      const r = (await spawn(t.both, method, ...args).result) as Both;
      expect(r.green).toEqual(r.node);
    });
  }

  it('maxBuffer: ENOBUFS, killed, output kept past the limit, like Node', async () => {
    const r = (await spawn(t.both, 'spawnSync', 'yes', [], { maxBuffer: 100 }).result) as {
      green: { value: { error: { code: string }; signal: string; status: null; stdout: { buffer: string } } };
      node: { value: { error: { code: string }; signal: string; status: null; stdout: { buffer: string } } };
    };
    for (const side of [r.green.value, r.node.value]) {
      expect(side.error.code).toBe('ENOBUFS');
      expect(side.signal).toBe('SIGTERM');
      expect(side.status).toBeNull();
      expect(side.stdout.buffer.length).toBeGreaterThan(100);
    }
  });
});

describe('green behaviour', () => {
  it('children of different green threads run at the same time', async () => {
    // Children long enough that six carriers can start meanwhile on a slow machine (Node 24 starts a worker in about 50 ms).
    const runs = (await Promise.all(Array.from({ length: 6 }, () => spawn(t.sleepy, 2).result))) as { out: string; ms: number; parked: number }[];
    expect(runs.every((r) => r.out === 'done')).toBe(true);
    // Every green thread was inside execSync before the first one came out.
    const firstOut = Math.min(...runs.map((r) => r.parked + r.ms));
    expect(Math.max(...runs.map((r) => r.parked))).toBeLessThan(firstOut);
  });

  it('killing the green thread kills its child', async () => {
    const g = spawn(t.sleepForever);
    await new Promise((r) => setTimeout(r, 300));
    g.kill();
    // Node's own execSync could not be interrupted: this would take 30 s.
    expect(await g.result).toBeInstanceOf(GreenThreadExit);
  });

  it('a Timeout in the green thread ends the child', async () => {
    expect(await spawn(t.timedOutChild).result).toBe('timed out');
  });

  it('ESM named imports of node:child_process see the green function', async () => {
    expect(await spawn(t.namedImport).result).toEqual({ patched: true, out: 'named', same: true });
  });

  it('rejects unknown options', () => {
    expect(() => monkeyPatch({ fs2: true } as never)).toThrow(/unknown option 'fs2'/);
  });
});
