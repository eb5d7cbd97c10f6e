/**
 * greenthread: green threads for Node.js. Blocking-style code runs in green
 * threads on pooled worker threads (carriers) and parks on Atomics.wait while
 * one hub event loop, on the main thread, does the I/O.
 *
 * This module is the public API only; importing it starts nothing.
 *
 * @example
 * ```ts
 * import { spawn, sleep } from 'greenthread'
 * const g = spawn((ms) => { sleep(ms); return 'done' }, 100)
 * console.log(await g.result)
 * ```
 */
import { carrierBackend } from './backend.js';
import { GreenArgumentError } from './errors.js';
import { getHub, getObjects, hubDiagnostics, netCounts } from './hub-access.js';
import type { GreenThreadInfo } from './hub/diagnostics.js';
import type { GreenOptions } from './hub/config.js';

export { GreenThread, spawn, sleep, current, isGreenThread, type KillOptions } from './green-thread.js';
export {
  GreenError,
  HubBlockingError,
  GreenClosureError,
  GreenShipError,
  GreenThreadExit,
  CarrierDiedError,
  SpawnerDiedError,
  PoolExhaustedError,
  GreenArgumentError,
  GreenCloneError,
  GreenProtocolError,
  QueueEmptyError,
  QueueFullError,
  codes,
} from './errors.js';
export type { GreenOptions } from './hub/config.js';
export type { GreenThreadInfo, ParkedOn } from './hub/diagnostics.js';
export { Event } from './sync/event.js';
export { Semaphore, BoundedSemaphore, Lock } from './sync/semaphore.js';
export { Queue } from './sync/queue.js';
export { GreenPool, GreenPile, type PoolResults } from './sync/pool.js';
export { Timeout, withTimeout } from './sync/timeout.js';
export { runInHub } from './sync/run-in-hub.js';
export { monkeyPatch, type PatchOptions } from './patches/monkey-patch.js';
export { getOriginal, isPatched, patchCounts } from './patches/registry.js';
export { lookupSync, resolveSync } from './patches/dns.js';
export { listen, connect, GreenSocket, GreenServer, type ListenOptions, type ConnectOptions } from './net/socket.js';
export { serve, type ServeOptions } from './net/serve.js';
export { serveHttp, GreenHttpServer, GreenRequest, ResponseStream, type ServeHttpOptions, type HttpResult } from './net/http.js';
export { fetchSync, SyncResponse, type FetchSyncInit } from './net/fetch-sync.js';
export { SocketTimeoutError, SocketBusyError, SocketClosedError, IncompleteReadError } from './net/errors.js';
// node-fibers' API; also its own entries, greenthread/fibers and greenthread/future.
export { Fiber, type FiberConstructor } from './fibers/fiber.js';
export { Future } from './fibers/future.js';
export { FiberError, fiberCodes } from './fibers/errors.js';

/**
 * Sets options of this process's hub and carrier pool. Call it on the hub
 * (the main thread) before the first spawn; later calls apply to carriers
 * started afterwards, and a new idleTimeout or minCarriers to idle carriers
 * at once.
 *
 * @example
 * ```ts
 * configure({ minCarriers: 4, maxCarriers: 512, idleTimeout: 10_000 })
 * ```
 */
export function configure(options: GreenOptions): void {
  if (carrierBackend()) {
    throw new GreenArgumentError(
      'configure() sets the options of the hub and must run on the main thread, not in a green thread; ' +
        'under `greenthread run`, use its flags (--min-carriers, --max-carriers)',
    );
  }
  getHub().configure(options);
}

/**
 * Live counts of the carrier pool: carriers started, idle, starting, green
 * threads queued for a carrier, green threads alive, hub objects (Event,
 * Queue, ...) still referenced, child processes and DNS queries run for
 * green threads by the patched modules, sockets and servers open in the
 * hub, and `unrungRequests`: requests the hub found only by its slow sweep,
 * because something wrote over the doorbell (always 0 unless memory shared
 * with the carriers was corrupted; a warning says so the first time).
 *
 * @example
 * ```ts
 * console.log(poolStats())
 * // { childProcesses: 0, dnsQueries: 0, unrungRequests: 0, carriers: 2, idle: 2, starting: 0,
 * //   queued: 0, live: 0, objects: 0, sockets: 0, servers: 0 }
 * ```
 */
export function poolStats(): ReturnType<ReturnType<typeof getHub>['stats']> & { objects: number; sockets: number; servers: number } {
  return { ...getHub().stats(), objects: getObjects().size, ...netCounts() };
}

/**
 * Every live green thread: id, name, state (queued, running, parked,
 * finished), the carrier it runs on, what it is parked on (the op, the call
 * and the hub object or green thread it waits for) and for how long, and,
 * when `configure({ traceSpawns: true })` was on, where it was spawned and
 * where it parked. A plain array; {@link formatGreenThreads} makes it text.
 * On the hub only (under `greenthread run`, use `--inspect-green`).
 *
 * @example
 * ```ts
 * configure({ traceSpawns: true })
 * const ev = new Event()
 * spawn((ev) => ev.wait(), ev)
 * setTimeout(() => console.error(formatGreenThreads()), 100)
 * // green thread 1 (anonymous): parked on Event.wait #1 [OBJ_CALL] for 98 ms, carrier 0
 * ```
 */
export function dumpGreenThreads(): GreenThreadInfo[] {
  if (carrierBackend()) {
    throw new GreenArgumentError(
      'dumpGreenThreads() reads the hub and runs on the main thread, not in a green thread; ' +
        'under `greenthread run`, start it with --inspect-green and send the process SIGUSR2',
    );
  }
  return hubDiagnostics().dump(getHub());
}

/**
 * The dump of {@link dumpGreenThreads} as text, one block per green thread.
 *
 * @example
 * ```ts
 * process.on('SIGUSR2', () => process.stderr.write(formatGreenThreads()))
 * ```
 */
export function formatGreenThreads(list: GreenThreadInfo[] = dumpGreenThreads()): string {
  return hubDiagnostics().format(list);
}
