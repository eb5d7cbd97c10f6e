/**
 * Timeout and withTimeout, eventlet's way: a Timeout is armed for the green
 * thread that creates it; when it fires, that green thread gets the error
 * thrown at its current park point (sleep, wait, Event.wait, Queue.get, any
 * blocking call). A CPU loop has no park point and is not interrupted: use
 * `kill({ force: true })` for that.
 *
 * Runs in green threads.
 */
import { carrierBackend } from '../backend.js';
import { GreenArgumentError, GreenError, registerErrorClass } from '../errors.js';

let nextId = 1;

/**
 * An error that is also a timer. It fires `ms` after construction unless
 * cancelled; the green thread that created it then gets, at its park point,
 * `error` if one was given, else the Timeout itself, so nested timeouts can
 * tell which one fired (`err === t`). `ms === null` never fires.
 *
 * @example
 * ```ts
 * const t = new Timeout(1000)
 * try {
 *   return queue.get()
 * } catch (err) {
 *   if (err === t) return undefined // our timeout; others propagate
 *   throw err
 * } finally {
 *   t.cancel()
 * }
 * // or, where `using` is supported:  using t = new Timeout(1000)
 * ```
 */
export class Timeout extends GreenError {
  /** The delay it was armed with, or null. */
  readonly ms: number | null;
  #id = 0;
  #pending = false;

  /**
   * @param ms milliseconds until it fires; null never fires.
   * @param error what to throw when it fires instead of the Timeout itself.
   *   `false` makes it silent: {@link withTimeout} then returns its timeout
   *   value, and a bare silent Timeout is thrown as itself.
   */
  constructor(ms: number | null, error?: unknown) {
    super(ms === null ? 'a timeout that never fires' : `timed out after ${ms} ms`);
    this.ms = ms;
    if (ms === null) return;
    if (typeof ms !== 'number' || !(ms >= 0)) throw new GreenArgumentError(`Timeout(ms): ms must be a number >= 0 or null, got ${String(ms)}`);
    const b = carrierBackend();
    if (!b) {
      throw new GreenArgumentError(
        'a Timeout interrupts a parked green thread, and this is the hub, which never parks: ' +
          'for async code on the hub use AbortSignal.timeout(ms) or a timer',
      );
    }
    this.#id = nextId++;
    b.timeoutArm(this.#id, ms, () => {
      this.#pending = false;
      return error === undefined || error === false ? this : error;
    });
    this.#pending = true;
  }

  /** True while armed: not fired and not cancelled. */
  get pending(): boolean {
    return this.#pending;
  }

  /** Disarms it; harmless when it has fired or was cancelled. */
  cancel(): void {
    if (!this.#pending) return;
    this.#pending = false;
    carrierBackend()?.timeoutCancel(this.#id);
  }

  /** `using t = new Timeout(ms)` cancels it at the end of the block. */
  [Symbol.dispose](): void {
    this.cancel();
  }
}
registerErrorClass('Timeout', Timeout);

/**
 * Runs `fn()` with a Timeout of `ms`: returns its value, or when the timeout
 * fires first, `timeoutValue` if one was given, else throws the Timeout.
 *
 * @example
 * ```ts
 * const reply = withTimeout(500, () => conn.recv(1024), null) // null after 500 ms
 * ```
 */
export function withTimeout<R, V = never>(ms: number | null, fn: () => R, ...timeoutValue: [V?]): R | V {
  const silent = timeoutValue.length > 0;
  const t = new Timeout(ms, silent ? false : undefined);
  try {
    return fn();
  } catch (err) {
    if (err === t && silent) return timeoutValue[0] as V;
    throw err;
  } finally {
    t.cancel();
  }
}
