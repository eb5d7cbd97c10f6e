// The carrier pool: growth on demand, the hard cap, shrinking, kills of queued
// green threads. Its own file: these tests configure the process's hub.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import sinon from 'sinon';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const tasks = load('../fixtures/core/tasks.mjs');
const { spawn, configure, poolStats, GreenThreadExit, GreenArgumentError } = gt;

const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('carrier pool', () => {
  it('validates options with messages that name them', () => {
    expect(() => configure({ maxCarriers: 0 })).toThrow(/options\.maxCarriers must be a positive integer/);
    expect(() => configure({ minCarriers: 5, maxCarriers: 2 })).toThrow(GreenArgumentError);
    expect(() => configure({ maxCarriers: 40_000 })).toThrow(/options\.maxCarriers must be at most 32768/);
  });

  it('grows on demand so that parked green threads never starve the ones they wait for', async () => {
    configure({ minCarriers: 1, maxCarriers: 64, idleTimeout: 200 });
    // 12 green threads parked at once, each waiting on the next: needs 12 carriers.
    expect(await spawn(tasks.chain, 11).result).toBe(11);
    expect(poolStats().carriers).toBeGreaterThanOrEqual(12);
  });

  it('shrinks back to the warm minimum when carriers stay idle', async () => {
    await until(() => poolStats().carriers <= 1);
    expect(poolStats()).toMatchObject({ carriers: 1, live: 0, queued: 0 });
  });

  it('at the cap, queues green threads with one warning, and runs them as carriers free up', async () => {
    configure({ minCarriers: 1, maxCarriers: 3 });
    const warn = sinon.spy(process, 'emitWarning');
    try {
      // Sleeps longer than the time a park holds its core before a new
      // carrier starts for the queue (at most 250 ms): the pool must grow to the cap.
      const threads = Array.from({ length: 9 }, (_, i) => spawn(tasks.sleeper, 400, i));
      expect(poolStats().queued).toBeGreaterThan(0);
      expect(await Promise.all(threads.map((g) => g.result))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      const capWarnings = warn.getCalls().filter((c) => (c.args[1] as { code?: string })?.code === 'ERR_GREEN_POOL_EXHAUSTED');
      expect(capWarnings).toHaveLength(1);
      expect(String(capWarnings[0].args[0])).toMatch(/all 3 carriers are in use/);
    } finally {
      warn.restore();
    }
  });

  it('a green thread killed before it started never runs', async () => {
    const busy = Array.from({ length: 3 }, () => spawn(tasks.sleeper, 200, 'busy'));
    const queued = spawn(tasks.printer, 1);
    expect(poolStats().queued).toBeGreaterThan(0);
    const out = sinon.spy(process.stdout, 'write');
    try {
      queued.kill();
      expect(queued.dead).toBe(true);
      expect(await queued.result).toBeInstanceOf(GreenThreadExit);
      await Promise.all(busy.map((g) => g.result));
      expect(out.getCalls().some((c) => String(c.args[0]).includes('line 0'))).toBe(false);
    } finally {
      out.restore();
    }
  });

  it('a reply for a killed request never reaches the next green thread on that carrier', async () => {
    configure({ minCarriers: 1, maxCarriers: 2 });
    await until(() => poolStats().carriers <= 2);
    // Two carriers: the child's and the waiter's. The waiter parks in wait() on a child that ends in 300 ms; killing the
    // waiter frees its carrier for the next green thread, which sleeps 500 ms.
    const waiter = spawn(tasks.waitOnSleeper, 300);
    await new Promise((r) => setTimeout(r, 100));
    waiter.kill();
    expect(await waiter.result).toBeInstanceOf(GreenThreadExit);
    const next = spawn(tasks.timedSleep, 500, 'next');
    const r = (await next.result) as { tag: string; slept: number };
    // Had the child's end (at 300 ms) been delivered to the carrier, this sleep would have ended early.
    expect(r.tag).toBe('next');
    expect(r.slept).toBeGreaterThanOrEqual(499);
  });

  it('runs a module default export: spawn(new URL(...))', async () => {
    const g = spawn(new URL('../fixtures/core/tasks.mjs', import.meta.url), 2, 3);
    expect(await g.result).toBe('module task 5');
  });

  it('refuses a cap beyond what the running hub was sized for', () => {
    expect(() => configure({ maxCarriers: 30_000 })).toThrow(/can be raised to at most \d+ once green threads have started/);
  });

  it('prints the failure of a green thread that nobody observes', async () => {
    const err = sinon.spy(process.stderr, 'write');
    try {
      spawn(tasks.thrower, 'nobody listens');
      await until(() => err.getCalls().some((c) => String(c.args[0]).includes('nobody listens')));
      const text = err.getCalls().map((c) => String(c.args[0])).join('');
      expect(text).toMatch(/green thread \d+ \(thrower\) failed:\nRangeError: nobody listens/);
    } finally {
      err.restore();
    }
  });
});
