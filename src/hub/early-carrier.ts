/**
 * The application's carrier, started by `greenthread run` first thing:
 * before the rest of greenthread loads, so that the worker's start (tens of
 * milliseconds of a core) overlaps the loading of the hub instead of
 * following it. The hub adopts it as carrier 0 (Hub#adoptEarlyCarrier) when
 * it was started with what the hub would have given it; until then its
 * events are kept.
 *
 * Imports only what starting a worker needs (the build keeps these modules
 * out of the big chunks, see scripts/build.mjs).
 *
 * Runs on the hub only.
 */
import { doorbellBytes } from '../channel/layout.js';
import type { PatchOptions } from '../patches/options.js';
import { startCarrierWorker } from './carrier-worker.js';
import type { EarlyStart } from './carriers.js';
import { defaultOptions } from './config.js';

export interface EarlyCarrier extends EarlyStart {
  doorbell: SharedArrayBuffer;
  argv: string[];
  patches: PatchOptions | undefined;
}

/**
 * Starts carrier 0 for the application at `argv[1]`, with the doorbell sized
 * for `maxCarriers` (the default when undefined), as the hub would.
 */
export function startEarlyCarrier(argv: string[], patches: PatchOptions | undefined, maxCarriers: number | undefined): EarlyCarrier {
  const defaults = defaultOptions();
  const doorbell = new SharedArrayBuffer(doorbellBytes(Math.max(32, maxCarriers ?? defaults.maxCarriers)));
  const worker = startCarrierWorker(0, doorbell, { argv, exitForwarding: defaults.exitForwarding, patches, resourceLimits: undefined });
  const kept: Array<['message' | 'error' | 'exit', unknown]> = [];
  const keepers = (['message', 'error', 'exit'] as const).map((event) => {
    const keep = (value: unknown) => kept.push([event, value]);
    worker.worker.on(event, keep);
    return [event, keep] as const;
  });
  // Nothing keeps the process alive for it until the hub has it.
  worker.worker.unref();
  return {
    worker,
    doorbell,
    argv,
    patches,
    handOver() {
      for (const [event, keep] of keepers) worker.worker.off(event, keep);
      return kept.splice(0);
    },
  };
}
