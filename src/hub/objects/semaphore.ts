/**
 * Semaphore state in the hub (also Lock and BoundedSemaphore): a counter;
 * acquire() parks while it is zero; waiters are served first come, first served.
 *
 * Runs on the hub only.
 */
import { GreenArgumentError } from '../../errors.js';
import { HubObject, timeoutArg, WaitList, type Resolver } from './base.js';

export class SemaphoreState extends HubObject {
  #count: number;
  #waiters = new WaitList<{ r: Resolver }>();

  constructor(
    id: number,
    private readonly initial: number,
    private readonly bounded: boolean,
    /** A Lock: a bounded semaphore of one, whose extra release says so in its own words. */
    private readonly lock = false,
  ) {
    super(id);
    this.#count = initial;
  }

  call(method: string, args: unknown[], r: Resolver): void {
    switch (method) {
      case 'acquire': {
        const timeout = timeoutArg(args[0], 'acquire');
        // FIFO: a newcomer never overtakes a waiter.
        if (this.#count > 0 && this.#waiters.length === 0) {
          this.#count--;
          return r.ok(true);
        }
        if (timeout === 0) return r.ok(false);
        this.#waiters.push({ r }, timeout, (w) => w.r.ok(false));
        return;
      }
      case 'release': {
        const next = this.#waiters.shift();
        if (next) {
          next.r.ok(true);
          return r.ok();
        }
        if (this.lock && this.#count >= this.initial) {
          throw new GreenArgumentError('Lock.release(): the lock is not held; release only after an acquire() that returned true');
        }
        if (this.bounded && this.#count >= this.initial) {
          throw new GreenArgumentError(`BoundedSemaphore released more often than acquired (its value is at most ${this.initial})`);
        }
        this.#count++;
        return r.ok();
      }
      case 'count':
        return r.ok(this.#count);
      case 'locked':
        return r.ok(this.#count === 0);
    }
    this.unknown(method);
  }
}
