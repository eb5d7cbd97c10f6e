/**
 * Waits of the hub thread that are by design: `Fiber.run()` on the hub
 * blocks it until the fiber yields or returns, as node-fibers did. They are
 * counted in a cell of the memory the hub's watchdog shares with its thread
 * (hub/watchdog.ts), so that it does not report them as a blocked hub.
 *
 * Runs on the hub; in a carrier, and before the watchdog starts, there is no
 * cell and the wait is just run.
 */
let cell: Int32Array | undefined;
let slot = 0;

/** @internal The watchdog hands over its cell (undefined when it stops). */
export function countWaitsByDesignIn(i32: Int32Array | undefined, index: number): void {
  cell = i32;
  slot = index;
}

/** Runs `wait`, counted as a wait by design while it runs. */
export function waitingByDesign<T>(wait: () => T): T {
  const c = cell;
  if (!c) return wait();
  const at = slot;
  Atomics.add(c, at, 1);
  try {
    return wait();
  } finally {
    Atomics.sub(c, at, 1);
  }
}
