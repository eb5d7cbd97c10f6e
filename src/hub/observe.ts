/**
 * Starts and reconfigures the hub's observers (the blocking watchdog and
 * deadlock detection) and tracing, from the hub's options.
 *
 * Runs on the hub only.
 */
import { watchDeadlocks } from './deadlock.js';
import { setTracing } from './diagnostics.js';
import type { Hub } from './hub.js';
import { watchHub } from './watchdog.js';

/** The hub started its loop: start what its options ask for. */
export function started(hub: Hub): void {
  setTracing(hub, hub.options.traceSpawns);
  watchHub(hub.options.blockedThreshold);
  watchDeadlocks(hub, hub.options.deadlockThreshold);
}

/** configure() ran: apply the options now if the hub runs, else when it starts. */
export function configured(hub: Hub): void {
  setTracing(hub, hub.options.traceSpawns);
  if (!hub.started) return;
  watchHub(hub.options.blockedThreshold);
  watchDeadlocks(hub, hub.options.deadlockThreshold);
}
