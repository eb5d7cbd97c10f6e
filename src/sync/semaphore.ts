/**
 * Semaphore, BoundedSemaphore and Lock, living in the hub; waiters are woken
 * first come, first served.
 *
 * Runs on every thread.
 */
import { GreenArgumentError } from '../errors.js';
import { callAsync, callBlocking, callNow, createObject } from './call.js';
import { facadeOf, HubHandle, registerKind, track } from './handles.js';

function count(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new GreenArgumentError(`${what}(n): n must be an integer >= 0, got ${String(n)}`);
  return n;
}

/**
 * A counting semaphore shared by green threads on any carrier and the hub.
 *
 * @example
 * ```ts
 * const slots = new Semaphore(3)
 * function download(sem, url) {
 *   sem.acquire()
 *   try { return fetchSync(url) } finally { sem.release() }
 * }
 * urls.forEach((u) => spawn(download, slots, u))
 * ```
 */
export class Semaphore extends HubHandle {
  /** @param n units available at first. */
  constructor(n = 1, /** @internal */ kind: 'semaphore' | 'bounded-semaphore' | 'lock' = 'semaphore') {
    super({ k: kind, id: createObject(kind, { n: count(n, kind === 'semaphore' ? 'Semaphore' : kind === 'lock' ? 'Lock' : 'BoundedSemaphore') }) });
    track(this);
  }

  /**
   * Takes one unit, parking while there is none. Returns true, or false when
   * `timeout` (ms) runs out first; `acquire(0)` never parks. Green threads only.
   */
  acquire(timeout?: number): boolean {
    return callBlocking(this, 'acquire', [timeout], 'acquire') as boolean;
  }

  /** The awaitable form of {@link Semaphore.acquire}, for the hub. */
  acquireAsync(timeout?: number): Promise<boolean> {
    return callAsync(this, 'acquire', [timeout]) as Promise<boolean>;
  }

  /** Gives one unit back, waking the longest waiter. */
  release(): void {
    callNow(this, 'release');
  }

  /** Units free now. */
  get value(): number {
    return callNow(this, 'count') as number;
  }

  /** True when an acquire would park. */
  locked(): boolean {
    return callNow(this, 'locked') as boolean;
  }
}

/**
 * A semaphore that refuses to be released above its initial value
 * (`GreenArgumentError`), which catches a release without an acquire.
 *
 * @example
 * ```ts
 * const s = new BoundedSemaphore(1)
 * s.release() // throws: released more often than acquired
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  constructor(n = 1) {
    super(n, 'bounded-semaphore');
  }
}

/**
 * A mutual-exclusion lock: a semaphore of one. `release()` of a lock that is
 * not held throws (ERR_GREEN_INVALID_ARG), as a BoundedSemaphore's extra
 * release does: it would let two green threads hold the lock at once.
 *
 * @example
 * ```ts
 * const lock = new Lock()
 * spawn((l) => { l.acquire(); try { appendToLog() } finally { l.release() } }, lock)
 * ```
 */
export class Lock extends Semaphore {
  constructor() {
    super(1, 'lock');
  }
}

registerKind('semaphore', (ref) => facadeOf(Semaphore, ref));
registerKind('bounded-semaphore', (ref) => facadeOf(BoundedSemaphore, ref));
registerKind('lock', (ref) => facadeOf(Lock, ref));
