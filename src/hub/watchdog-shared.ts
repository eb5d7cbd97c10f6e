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
/** Int32 slot (after the Float64 one): above 0 while the hub waits by design (see waits-by-design.ts). */
export const BY_DESIGN = 4;
export const WATCHDOG_BYTES = 24;

/** Watchdog -> hub: the loop was held `ms` milliseconds, at `frames` (innermost first). */
export interface BlockedReport {
  ms: number;
  frames: string[] | undefined;
  /** Why there are no frames, when there are none. */
  why?: string;
}

/**
 * How long a hold lasts before the watchdog reports it while it still goes
 * on (for a hub that never moves again, the report at its end never comes).
 */
export function stuckAfter(threshold: number): number {
  return Math.max(20 * threshold, 1000);
}

/** The report's text, for a hold that ended (`still` false) or still goes on. */
export function formatBlocked(m: BlockedReport, threshold: number, still: boolean): string {
  const where = m.frames?.length
    ? `, at:\n${m.frames.map((f) => `    ${f}`).join('\n')}`
    : `; its stack could not be taken (${m.why ?? 'unknown'})`;
  const held = still ? `has been held for ${m.ms} ms and still is` : `was held for about ${m.ms} ms`;
  return (
    `greenthread: the hub's event loop ${held} (blockedThreshold ${threshold} ms): ` +
    `no I/O, timer or green thread's request was served meanwhile${where}\n`
  );
}
