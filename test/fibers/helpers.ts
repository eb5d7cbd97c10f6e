// Shared set-up of the fibers tests: node itself loads greenthread and the
// fixtures (vitest would transform them), so fiber bodies are shipped by
// their real source and the test and the fixtures share one hub.
import { createRequire } from 'node:module';
import type * as GT from '../../dist/index.js';
import type { FiberConstructor } from '../../dist/fibers/fiber.js';
import type { Future as FutureClass } from '../../dist/fibers/future.js';

export const load = createRequire(import.meta.url);
export const gt = load('../../dist/index.js') as typeof GT;
// require() gives what node-fibers' require gave: the function itself.
export const Fiber = load('../../dist/fibers/index.js') as FiberConstructor;
export const Future = load('../../dist/fibers/future-entry.js') as typeof FutureClass;
export const bodies = load('../fixtures/fibers/bodies.mjs');

/**
 * Carriers kept warm and idle: a fiber started on one starts synchronously
 * (on a cold pool, run() returns undefined and the fiber starts when its
 * carrier is up, as waiting on I/O would).
 */
export async function warm(n: number): Promise<void> {
  Fiber.poolSize = n;
  await gt.spawn(bodies.noArgs).result; // the pool starts with the first green thread
  const deadline = Date.now() + 20_000;
  for (let s = gt.poolStats(); s.idle < n; s = gt.poolStats()) {
    if (Date.now() > deadline) throw new Error(`carriers did not warm up: ${JSON.stringify(s)}`);
    // A fiber an earlier test left suspended holds its carrier: keep n idle beside it.
    const held = s.carriers - s.idle - s.starting;
    if (Fiber.poolSize < n + held) Fiber.poolSize = n + held;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves once `check()` is true (for state the hub changes in its event loop). */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The error `fn` throws. */
export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a throw');
}
