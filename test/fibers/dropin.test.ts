// fibers-era programs, unmodified, in processes of their own: `fibers` and
// `fibers/future` resolve to the shim (also over an unbuilt node-fibers in
// node_modules), under `greenthread run` and `--import greenthread/register`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/fibers/dropin/', import.meta.url));
const cli = path.join(root, 'dist/cli.js');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'greenthread-fibers-dropin-'));
  cpSync(fixtures, dir, { recursive: true, filter: (src) => !src.includes('fake-fibers') });
  mkdirSync(path.join(dir, 'node_modules'));
  cpSync(path.join(fixtures, 'fake-fibers'), path.join(dir, 'node_modules/fibers'), { recursive: true });
  symlinkSync(root, path.join(dir, 'node_modules/greenthread'), 'dir');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 30_000, env });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
/** With the repository's node_modules (wait.for, sync, fibrous) on NODE_PATH. */
const withLibraries = (args: string[]) => run(args, { ...process.env, NODE_PATH: path.join(root, 'node_modules') });
const ways = { 'greenthread run': (app: string) => [cli, 'run', app], '--import greenthread/register': (app: string) => ['--import', 'greenthread/register', app] };
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const esmHooks = major > 22 || (major === 22 && minor >= 15);
// Node 26 no longer lists a pending fs.readFile among process.getActiveResourcesInfo(): a fiber
// waiting on its own loop for one is not resumed there (README: Moving off node-fibers).
const fsWaitsOnOwnLoop = major < 26;

describe.each(Object.entries(ways))('under %s', (_, argv) => {
  it("require('fibers') and require('fibers/future') load the shim, in the app's carrier and in its fibers", () => {
    const r = run(argv('app.cjs'));
    expect(r.err).toBe('');
    expect(r.out.split('\n')).toEqual(['1 3 6', 'true function', 'future undefined 42', '']);
    expect(r.status).toBe(0);
  });

  it.runIf(esmHooks)("import Fiber from 'fibers' loads the shim (module hooks, Node >= 22.15)", () => {
    const r = run(argv('app.mjs'));
    expect(r.err).toBe('');
    expect(r.out).toBe('function function esm\n');
  });

  it('process.exit(n) in a fiber ends the process with n; its runner does not go on', () => {
    const r = run(argv('exit.cjs'));
    expect(r.out).toBe('exiting\n');
    expect(r.status).toBe(5);
  });

  it('an error a fiber throws after it waited is uncaught: printed, status 1', () => {
    const r = run(argv('late-error.cjs'));
    expect(r.out).toBe('run returned undefined\n');
    expect(r.err).toMatch(/Uncaught error in fiber `lateThrow`[^]*Error: thrown after the wait/);
    expect(r.status).toBe(1);
  });

  it("callbacks on a fiber's own event loop resume it (fiber.run from a timer and from a promise, throwInto, a local Future)", () => {
    const r = run(argv('own-loop.cjs'));
    expect(r.err).toBe('');
    expect(r.out).toBe('run returned undefined\nslept 50 thrown in by a callback future true promise\n');
    expect(r.status).toBe(0);
  });

  it('without deasync, a fiber waiting on its own loop gets a warning, and does not hold the process', () => {
    const r = run(argv('own-loop.cjs'), { ...process.env, GREENTHREAD_NO_DEASYNC: '1' });
    expect(r.err).toMatch(/ERR_GREEN_FIBER_STUCK/);
    expect(r.out).toBe('run returned undefined\n');
    expect(r.status).toBe(0);
  });

  it.runIf(fsWaitsOnOwnLoop)('wait.for, sync and fibrous wait inside fibers; a future outliving the main module still calls back', () => {
    const r = withLibraries(argv('libraries.cjs'));
    expect(r.err).toBe('');
    expect(r.out.split('\n').sort()).toEqual(['', 'fibrous undefined true', 'sync true', 'wait.for true slept']);
    expect(r.status).toBe(0);
  });

  it.runIf(fsWaitsOnOwnLoop)("the libraries' launchers wrap the caller's function (wait.launchFiber, Sync, fibrous); a child node process gets fibers too", () => {
    const r = withLibraries(argv('launchers.cjs'));
    expect(r.err).toBe('');
    expect(r.out.split('\n').sort()).toEqual(['', 'child fibers', 'sync 9 true', 'sync callback failed later undefined', 'wait.for true 5 ECONNREFUSED']);
    expect(r.status).toBe(0);
    const f = withLibraries(argv('fibrous.cjs'));
    expect(f.err).toBe('');
    expect(f.out).toBe('fibrous undefined [ true, true ]\n');
  });

  it('a fiber left suspended does not keep the process alive', () => {
    const r = run(argv('suspended.cjs'));
    expect(r.err).toBe('');
    expect(r.out).toBe('yielded\n');
    expect(r.status).toBe(0);
  });
});

describe('node -e and the REPL, with --import greenthread/register', () => {
  const body = "Fiber(function () { return require('path').basename('/a/fiber') }).run()";
  it('-e: fibers whose functions use globals only (require included) run', () => {
    const r = run(['--import', 'greenthread/register', '-e', `const Fiber = require('fibers'); console.log(${body})`]);
    expect(r.err).toBe('');
    expect(r.out).toBe('fiber\n');
  });

  it('the REPL, fed on stdin', () => {
    const r = spawnSync(process.execPath, ['--import', 'greenthread/register', '-i'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
      input: `const Fiber = require('fibers')\n${body}\n`,
    });
    expect(r.stdout).toMatch(/'fiber'/);
    expect(r.status).toBe(0);
  });
});

describe('on the main thread, without register', () => {
  it('a cold pool starts fibers synchronously; a full one says why; finished fibers give their carriers back', () => {
    const r = run(['cold.cjs']);
    expect(r.err).toBe('');
    const [a, b, c, d, code, started, e, f, g, h, five, six, peak] = JSON.parse(r.out) as unknown[];
    expect([a, b, c, d]).toEqual([2, 4, 6, 8]);
    expect([code, started]).toEqual(['ERR_GREEN_FIBER_START', false]);
    expect([e, f, g, h]).toEqual([11, 12, 13, 14]);
    expect([five, six]).toEqual([10, 6]); // the fresh fiber started once carriers were free
    expect(peak).toBeLessThanOrEqual(4);
    expect(r.status).toBe(0);
  });
});
