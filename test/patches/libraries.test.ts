// Real blocking libraries, unmodified, in green threads after monkeyPatch():
// shelljs (exec), execa (execaSync), sync-fetch (a fetch against a server in
// this very process, which only works if the hub keeps serving). Each result
// equals the library's own on the main thread, before patching, and the
// patched path is proven hit by the hub's count of child processes.
import http from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const libs = load('../fixtures/patches/libraries.mjs');

const server = http.createServer((req, res) => res.end(`served ${req.url}`));
let url = '';
const expected: Record<string, unknown> = {};

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // Unpatched, on the main thread: what each library gives on its own.
  expected.shell = libs.shellExec('echo out; echo err >&2; exit 3');
  expected.execa = libs.execaRun('echo out; echo err >&2; exit 4');
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
