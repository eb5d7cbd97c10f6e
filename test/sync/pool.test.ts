// GreenPool, GreenPile and runInHub.
import http from 'node:http';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/sync/tasks.mjs');
const { spawn, GreenPool, GreenPile, HubBlockingError, runInHub } = gt;

describe('GreenPool', () => {
  it('imap keeps input order and never runs more than size at once', async () => {
    const pool = new GreenPool(3);
    const results: number[] = [];
    const spawning = (async () => {
      for await (const v of pool.imap(t.square, [1, 2, 3, 4, 5, 6, 7, 8])) results.push(v as number);
    })();
    let peak = 0;
    while (results.length < 8) {
      peak = Math.max(peak, pool.running);
      await new Promise((r) => setTimeout(r, 1));
    }
    await spawning;
    expect(results).toEqual([1, 4, 9, 16, 25, 36, 49, 64]);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it('ordered imap with an error in the middle: results before it, then the error', async () => {
    const pool = new GreenPool(2);
    expect(await spawn(t.imapCollect, pool, [1, 2, 3, 4, 5]).result).toEqual([1, 2, 'error: three is bad']);
    await pool.waitallAsync();
    expect(pool.free).toBe(2); // the failed task freed its slot
  });

  it('imapUnordered yields as tasks finish', async () => {
    const pool = new GreenPool(4);
    // Delays far apart compared with what a cold pool may need before each
    // task runs: a park's grace (up to 250 ms) and a carrier's start, both
    // longer on a loaded machine.
    expect(await spawn(t.imapUnorderedCollect, pool, [2000, 10, 800]).result).toEqual([10, 800, 2000]);
  });

  it('a member spawning into its own full pool runs the task inline instead of deadlocking', async () => {
    const pool = new GreenPool(1);
    const g = (await pool.spawnAsync(t.reentrant, pool)) as GT.GreenThread<{ value: number; inline: boolean }>;
    expect(await g.result).toEqual({ value: 49, inline: true });
  });

  it('spawn on the hub returns a Promise; waitall waits for every member', async () => {
    const pool = new GreenPool(2);
    const threads = await Promise.all([30, 10, 20].map((ms) => pool.spawn(t.delayed, ms)));
    await pool.waitallAsync();
    expect(threads.every((g) => g.dead)).toBe(true);
    expect(pool.running).toBe(0);
    expect(() => pool.waitall()).toThrow(HubBlockingError);
  });

  it('resize lets waiting spawns start', async () => {
    const pool = new GreenPool(1);
    const first = pool.spawnAsync(t.delayed, 200);
    const second = pool.spawnAsync(t.delayed, 10);
    await first;
    await new Promise((r) => setTimeout(r, 20));
    expect(pool.running).toBe(1);
    pool.resize(2);
    expect(await (await second).result).toBe(10);
  });
});

describe('GreenPile', () => {
  it('yields results in spawn order, inside a green thread and on the hub', async () => {
    expect(await spawn(t.pileInOrder, [60, 10, 30, 5]).result).toEqual([60, 10, 30, 5]);
    const pile = new GreenPile<number>(3);
    for (const ms of [40, 5, 20]) pile.spawn(t.delayed, ms);
    const out: number[] = [];
    for await (const v of pile) out.push(v);
    expect(out).toEqual([40, 5, 20]);
  });
});

describe('runInHub', () => {
  it('calls built-in fetch in the hub from blocking-style code', async () => {
    const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const results = await Promise.all([1, 2, 3].map((i) => spawn(t.hubFetch, `http://127.0.0.1:${port}/${i}`).result));
      expect(results).toEqual([1, 2, 3].map((i) => ({ status: 200, body: `hello /${i}` })));
    } finally {
      server.close();
    }
  });

  it('brings the async error back, rebuilt', async () => {
    expect(await spawn(t.hubFails).result).toEqual({ name: 'TypeError', message: 'async library failed', code: 'E_LIB' });
  });

  it('is for green threads; on the hub, call the function', () => {
    expect(() => runInHub(async () => 1)).toThrow(HubBlockingError);
  });
});
