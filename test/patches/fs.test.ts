// monkeyPatch() and fs: every function of node:fs against Node's own, in a
// green thread, over valid and invalid input (same value, same error, same
// files left behind); then again after process.chdir with relative paths.
// Also the per-green-thread working directory, for fs and child_process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/patches/fs-tasks.mjs');
const { cases } = load('../fixtures/patches/fs-cases.mjs') as { cases: [string, string[], unknown][] };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-fs-test-'));
beforeAll(() => gt.monkeyPatch());
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('fs made green: same results and errors as Node', () => {
  it('covers every *Sync function of node:fs, and patches each', async () => {
    const names = (await gt.spawn(t.syncNames).result) as string[];
    const exercised = new Set(cases.flatMap(([, fns]) => fns));
    expect(names.filter((n) => !exercised.has(n))).toEqual([]);
    for (const n of names) expect(gt.isPatched('fs', n)).toBe(true);
  });

  cases.forEach(([name], index) => {
    for (const mode of ['abs', 'rel'] as const) {
      it(`${name} (${mode === 'abs' ? 'absolute paths' : 'relative, after process.chdir'})`, async () => {
        const r = (await gt.spawn(t.fsBoth, index, mode).result) as { green: unknown; node: unknown };
        expect(r.green).toEqual(r.node);
      });
    }
  });

  it('the calls went through the patch (counted on the carrier)', async () => {
    const counts = (await gt.spawn(t.countedCalls).result) as Record<string, number>;
    expect(counts.statSync).toBeGreaterThan(0);
    expect(counts.readdirSync).toBeGreaterThan(0);
  });

  it('patching again does not wrap the patched functions again', async () => {
    gt.monkeyPatch({ fs: true });
    expect(await gt.spawn(t.patchTwiceThenCount).result).toBe(1);
  });
});

describe('a working directory per green thread', () => {
  it('two green threads in two directories at once each see their own, in fs and in children', async () => {
    const [a, b] = ['a', 'b'].map((n) => fs.mkdirSync(path.join(root, n), { recursive: true }) ?? path.join(root, n));
    const [ra, rb] = (await Promise.all([gt.spawn(t.ownDirectory, a, 'A').result, gt.spawn(t.ownDirectory, b, 'B').result])) as Record<string, string>[];
    expect(ra).toEqual({ cwd: fs.realpathSync(a), who: 'A', pwd: fs.realpathSync(a) });
    expect(rb).toEqual({ cwd: fs.realpathSync(b), who: 'B', pwd: fs.realpathSync(b) });
    // The process's own directory never moved.
    expect(process.cwd()).not.toBe(fs.realpathSync(a));
  });

  it('a green thread starts in the directory of the green thread that spawned it', async () => {
    const dir = fs.realpathSync(root);
    expect(await gt.spawn(t.inherited, root).result).toEqual({ child: dir, mine: dir });
  });

  it('chdir errors are Node\'s: ENOENT, ENOTDIR, ERR_INVALID_ARG_TYPE', async () => {
    const r = (await gt.spawn(() => {
      const tryIt = (d: unknown) => {
        try {
          process.chdir(d as string);
          return 'ok';
        } catch (e) {
          const err = e as NodeJS.ErrnoException & { dest?: string };
          return { code: err.code, syscall: err.syscall, dest: err.dest, message: err.message.replace(process.cwd(), '<cwd>') };
        }
      };
      return [tryIt('/no/such/dir'), tryIt('/etc/hostname'), tryIt(5)];
    }).result) as unknown[];
    expect(r).toEqual([
      { code: 'ENOENT', syscall: 'chdir', dest: '/no/such/dir', message: "ENOENT: no such file or directory, chdir '<cwd>' -> '/no/such/dir'" },
      { code: 'ENOTDIR', syscall: 'chdir', dest: '/etc/hostname', message: "ENOTDIR: not a directory, chdir '<cwd>' -> '/etc/hostname'" },
      { code: 'ERR_INVALID_ARG_TYPE', syscall: undefined, dest: undefined, message: 'The "directory" argument must be of type string. Received type number (5)' },
    ]);
  });

  it('async fs, fs/promises, streams and every way to start a child follow it', async () => {
    const dir = path.join(root, 'async');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'f.txt'), 'async ok');
    const real = fs.realpathSync(dir);
    const r = await gt.spawn(t.asyncForms, dir).result;
    expect(r).toEqual({
      callback: 'async ok',
      promise: 'async ok',
      promiseError: { code: 'ENOENT', path: 'nope', message: "ENOENT: no such file or directory, stat 'nope'" },
      callbackError: { code: 'ENOENT', path: 'nope', message: "ENOENT: no such file or directory, stat 'nope'" },
      exists: true,
      stream: 'async ok',
      mkdtemp: true,
      exec: real,
      execFile: real,
      spawnSync: real,
      spawn: real,
      explicitCwd: '/',
      relativeCwd: path.join(real, 'sub'),
      relativeCwdSync: path.join(real, 'sub'),
    });
  });

  it('module loading is untouched: a relative require follows the module, not the directory', async () => {
    const fixture = new URL('../fixtures/patches/fs-tasks.mjs', import.meta.url).href;
    const r = (await gt.spawn(t.requireAfterChdir, fixture).result) as { loaded: string; cwd: string; readsCounted: number };
    expect(r.loaded).toBe('helper loaded');
    // It read the file through the patched readFileSync, with the absolute path it resolved.
    expect(r.readsCounted).toBeGreaterThan(0);
    expect(r.cwd).toBe(fs.realpathSync(os.tmpdir()));
  });

  it('the hub keeps the process\'s own process.chdir', () => {
    expect(gt.isPatched('process', 'chdir')).toBe(false);
  });
});
