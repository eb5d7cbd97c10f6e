/**
 * The optional `deasync` package, which turns this thread's event loop from
 * inside a call: the hub uses it for blocking calls made on itself
 * (hub/block-on-hub.ts), a fiber's carrier to let callbacks of its own loop
 * resume it (fibers/self.ts). GREENTHREAD_NO_DEASYNC=1 ignores an installed one.
 *
 * Runs on every thread; loaded at most once per thread, on first use.
 */
import { createRequire } from 'node:module';

export type LoopTurner = { loopWhile(pred: () => boolean): void };
let turner: LoopTurner | null | undefined;

/** deasync, or null when it is not installed, has no build for this platform, or is turned off. */
export function loopTurner(): LoopTurner | null {
  if (turner === undefined) {
    turner = null;
    if (!process.env.GREENTHREAD_NO_DEASYNC) {
      try {
        turner = createRequire(import.meta.url)('deasync') as LoopTurner;
      } catch {
        // optional dependency not installed (or no build for this platform)
      }
    }
  }
  return turner;
}
