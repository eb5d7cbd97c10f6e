// How the carrier pool grows and shrinks: short CPU jobs share a few carriers
// (each carrier loads its libraries once), green threads that park get a
// carrier each at once, a long computation cannot hold the queue, idle
// carriers give their memory back within seconds, and a pool that cannot
// grow reports the deadlock. Its own file: it configures the process's hub.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';
import { until } from '../wait.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const tasks = load('../fixtures/core/tasks.mjs');
const { spawn, configure, poolStats } = gt;


/** The most carriers the pool had while `work` ran. */
async function peakCarriers(work: Promise<unknown>): Promise<number> {
  let peak = poolStats().carriers;
  const timer = setInterval(() => (peak = Math.max(peak, poolStats().carriers)), 2);
  try {
    await work;
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, poolStats().carriers);
}

describe('carrier pool growth', () => {
  it('idle carriers beyond the warm minimum retire within a few seconds by default', async () => {
    // The default idleTimeout (the first test of this file: nothing configured it).
    configure({ minCarriers: 1 });
    const threads = Array.from({ length: 12 }, (_, i) => spawn(tasks.sleeper, 200, i));
    await Promise.all(threads.map((g) => g.result));
    expect(poolStats().carriers).toBeGreaterThan(2);
    const t0 = Date.now();
    await until(() => poolStats().carriers <= 1, 'the pool to shrink', 8_000);
    expect(Date.now() - t0).toBeLessThan(8_000);
  });

  it('short CPU jobs at once share a few carriers instead of starting one each', async () => {
    configure({ minCarriers: 2, idleTimeout: 60_000 });
    await Promise.all([spawn(tasks.add, 1, 2).result, spawn(tasks.add, 3, 4).result]);
    const jobs = Array.from({ length: 40 }, () => spawn(tasks.spin, 15));
    const peak = await peakCarriers(Promise.all(jobs.map((g) => g.result)));
    expect(jobs.every((g) => g.dead)).toBe(true);
    // One carrier each would be 40; about one per core is enough to keep the cores busy.
    expect(peak).toBeLessThan(20);
  });

  it('green threads that park get a carrier each, all at once', async () => {
    const spans = (await Promise.all(Array.from({ length: 16 }, () => spawn(tasks.sleepSpan, 5000).result))) as { start: number; end: number }[];
    // Every one was parked in its sleep before the first one woke.
    expect(Math.max(...spans.map((s) => s.start))).toBeLessThan(Math.min(...spans.map((s) => s.end)));
  });

  it('a long computation does not hold the queue: a starved queue gets a carrier more', async () => {
    configure({ minCarriers: 0, idleTimeout: 1 });
    await until(() => poolStats().carriers === 0);
    const cores = (await import('node:os')).availableParallelism();
    const spinners = Array.from({ length: cores + 1 }, () => spawn(tasks.spin, 4000));
    await until(() => poolStats().live === cores + 1 && poolStats().queued <= 1);
    const quick = spawn(tasks.add, 20, 22);
    expect(await quick.result).toBe(42);
    expect(spinners.some((g) => !g.dead)).toBe(true);
    await Promise.all(spinners.map((g) => g.result));
  });

  it('at maxCarriers, green threads that wait on queued ones get a deadlock report instead of a hang', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const r = spawnSync(process.execPath, ['test/fixtures/core/cap-deadlock.mjs'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toMatch(/deadlock: all 2 live green thread\(s\)/);
    expect(r.stderr).toMatch(/2 green thread\(s\) \(\d+ inner, \d+ inner\) wait for a carrier: all 2 \(maxCarriers\) are held/);
    expect(r.status).toBe(0);
  });
});
