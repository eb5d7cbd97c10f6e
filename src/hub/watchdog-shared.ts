/**
 * The watchdog's shared memory and its one message: what the hub
 * (watchdog.ts) and the watchdog thread (watchdog-worker.ts) agree on.
 *
 * Runs on the hub and in the watchdog's worker; no side effects.
 */

/** Int32 slot: the hub's heartbeat, bumped by its timer. */
export const BEAT = 0;
/** Int32 slot: set to 1 to end the watchdog. */
export const STOP = 1;
/** Float64 slot (index in a Float64Array over the same buffer): Date.now() of the last beat. */
export const BEAT_TIME = 1;
export const WATCHDOG_BYTES = 16;

/** Watchdog -> hub: the loop was held `ms` milliseconds, at `frames` (innermost first). */
export interface BlockedReport {
  ms: number;
  frames: string[] | undefined;
  /** Why there are no frames, when there are none. */
  why?: string;
}
