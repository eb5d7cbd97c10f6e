// Real blocking libraries, unmodified, in green threads after monkeyPatch():
// shelljs (exec, cd, ls, cp), execa (execaSync), sync-fetch (a fetch against
// a server in this very process, which only works if the hub keeps serving),
// fast-glob (.sync) and fs-extra (copySync, removeSync). Each result equals
// the library's own on the main thread, before patching, and the patched
// path is proven hit: the hub's count of child processes, the carrier's
// count of fs calls.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const libs = load('../fixtures/patches/libraries.mjs');

/** A small tree for the file libraries: src/a.txt, src/nested/b.txt. */
function tree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-libs-'));
  fs.mkdirSync(path.join(dir, 'src', 'nested'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'a.txt'), 'A');
  fs.writeFileSync(path.join(dir, 'src', 'nested', 'b.txt'), 'B');
  return dir;
}

const server = http.createServer((req, res) => res.end(`served ${req.url}`));
let url = '';
const expected: Record<string, unknown> = {};

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // Unpatched, on the main thread: what each library gives on its own.
  expected.shell = libs.shellExec('echo out; echo err >&2; exit 3');
  expected.execa = libs.execaRun('echo out; echo err >&2; exit 4');
  const dir = tree();
  const cwd = process.cwd();
  try {
    expected.fileWork = libs.fileWork(dir, false);
  } finally {
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  delete (expected.fileWork as Record<string, unknown>).fsCalls;
  gt.monkeyPatch();
});
afterAll(() => server.close());

const served = () => gt.poolStats().childProcesses;

describe('unmodified libraries in green threads', () => {
  it('shelljs exec: same result as unpatched, through the hub', async () => {
    const before = served();
    expect(await gt.spawn(libs.shellExec, 'echo out; echo err >&2; exit 3').result).toEqual(expected.shell);
    expect(served()).toBeGreaterThan(before);
  });

  it('execa execaSync: same result as unpatched, through the hub', async () => {
    const before = served();
    expect(await gt.spawn(libs.execaRun, 'echo out; echo err >&2; exit 4').result).toEqual(expected.execa);
    expect(served()).toBe(before + 1);
  });

  it('sync-fetch against a server in this process: the hub serves it while the green thread waits', async () => {
    const before = served();
    expect(await gt.spawn(libs.fetchText, `${url}/item/7`).result).toEqual({ status: 200, body: 'served /item/7' });
    expect(served()).toBe(before + 1);
  });

  it('20 green threads in shelljs.exec("sleep 2") at once', async () => {
    // Carriers first, so that what is measured is the library call, not the pool growing.
    gt.configure({ minCarriers: 22 });
    while (gt.poolStats().carriers - gt.poolStats().starting < 22) await new Promise((r) => setTimeout(r, 20));
    const runs = (await Promise.all(Array.from({ length: 20 }, () => gt.spawn(libs.timedShellSleep, 2).result))) as {
      out: string;
      parked: number;
      woke: number;
    }[];
    expect(runs.every((r) => r.out === 'slept')).toBe(true);
    // All were inside the blocking call before the first came out: concurrent, not one after another.
    expect(Math.max(...runs.map((r) => r.parked))).toBeLessThan(Math.min(...runs.map((r) => r.woke)));
  }, 60_000);
});

describe('unmodified file libraries in green threads: fast-glob, fs-extra, shelljs cd/ls/cp', () => {
  it('same results as on the main thread unpatched, with absolute paths and after process.chdir', async () => {
    const cwd = process.cwd();
    for (const chdir of [false, true]) {
      const dir = tree();
      const r = (await gt.spawn(libs.fileWork, dir, chdir).result) as Record<string, unknown>;
      // Every library reached fs through the patch (the carrier counts each call).
      expect(r.fsCalls).toBeGreaterThan(10);
      delete r.fsCalls;
      expect(r).toEqual(expected.fileWork);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // shelljs.cd in green threads never moved the process.
    expect(process.cwd()).toBe(cwd);
  });

  it("a library that caches the working directory (graceful-fs) follows each green thread's own on a shared carrier", async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'gt-graceful-')));
    try {
      const moved = (await gt.spawn(libs.gracefulCwd, dir).result) as { cwd: string; carrier: number };
      expect(moved.cwd).toBe(dir);
      // The next green threads on that carrier start in the process's directory, as graceful-fs must say.
      let same: { cwd: string; carrier: number } | undefined;
      for (let i = 0; i < 20 && !same; i++) {
        const r = (await gt.spawn(libs.gracefulCwd).result) as { cwd: string; carrier: number };
        if (r.carrier === moved.carrier) same = r;
      }
      expect(same, 'a later green thread on the same carrier').toBeDefined();
      expect(same!.cwd).toBe(process.cwd());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
