/**
 * Errors of the fibers shim. Where node-fibers had its own message, code that
 * moves over may match on it, so the message is node-fibers' own, word for
 * word, and a stable `code` is added. New failure modes get a GreenError.
 *
 * Runs on every thread.
 */
import { GreenError, registerErrorClass } from '../errors.js';

/**
 * Codes of the fibers shim's errors, on errors that keep node-fibers' own
 * message as well as on {@link FiberError}s.
 *
 * @example
 * ```js
 * try { fiber.run() } catch (e) { if (e.code === fiberCodes.running) console.log('still waiting on I/O') }
 * ```
 */
export const fiberCodes = {
  running: 'ERR_GREEN_FIBER_RUNNING',
  notYielding: 'ERR_GREEN_FIBER_NOT_YIELDING',
  noFiber: 'ERR_GREEN_FIBER_NO_FIBER',
  zombie: 'ERR_GREEN_FIBER_ZOMBIE',
  badArg: 'ERR_GREEN_INVALID_ARG',
  resolvedTwice: 'ERR_GREEN_FUTURE_RESOLVED',
  unresolved: 'ERR_GREEN_FUTURE_UNRESOLVED',
  localWait: 'ERR_GREEN_FIBER_LOCAL_WAIT',
  start: 'ERR_GREEN_FIBER_START',
  stuck: 'ERR_GREEN_FIBER_STUCK',
  wrap: 'ERR_GREEN_FIBER_WRAP',
  handle: 'ERR_GREEN_FIBER_HANDLE',
} as const;

/** An error with node-fibers' message and one of {@link fiberCodes}. */
export function fibersError(message: string, code: string, Ctor: ErrorConstructor = Error): Error {
  const err = new Ctor(message);
  (err as NodeJS.ErrnoException).code = code;
  return err;
}

/**
 * A failure node-fibers did not have: a fiber's future that only its own
 * event loop could resolve, a fiber that cannot start, a wrapped call that
 * cannot run in the hub. `code` says which.
 *
 * @example
 * ```js
 * try { future.wait() } catch (e) { if (e.code === 'ERR_GREEN_FIBER_LOCAL_WAIT') ... }
 * ```
 */
export class FiberError extends GreenError {
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

// Rebuilt as itself on the other side of a thread boundary, so instanceof works there.
registerErrorClass('FiberError', FiberError);
