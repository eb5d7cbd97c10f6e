/**
 * How a facade reaches its hub object from the thread it is used on: in a
 * green thread, a request that parks it; on the hub, a direct call (a
 * Promise for the waiting forms).
 *
 * Runs on every thread.
 */
import { carrierBackend } from '../backend.js';
import { HubBlockingError } from '../errors.js';
import { getObjects } from '../hub-access.js';
import type { HubHandle } from './handles.js';

/** Creates a hub object; returns its id. */
export function createObject(kind: string, options?: unknown): number {
  const b = carrierBackend();
  return b ? b.objNew(kind, options) : getObjects().create(kind, options);
}

/** A call that may wait: parks the green thread; on the hub it is refused (use the Async form). */
export function callBlocking(h: HubHandle, method: string, args: unknown[], what: string): unknown {
  const b = carrierBackend();
  if (!b) throw new HubBlockingError(what);
  return b.objCall(h.$green.id, method, args);
}

/** A call that answers at once, on either side. */
export function callNow(h: HubHandle, method: string, args: unknown[] = []): unknown {
  const b = carrierBackend();
  return b ? b.objCall(h.$green.id, method, args) : getObjects().callSync(h.$green.id, method, args);
}

/**
 * The awaitable form: on the hub a Promise; in a green thread the blocking call, wrapped.
 * `copied`: the arguments are plain data made for this call, no copy needed.
 */
export function callAsync(h: HubHandle, method: string, args: unknown[], copied = false): Promise<unknown> {
  const b = carrierBackend();
  if (b) {
    try {
      return Promise.resolve(b.objCall(h.$green.id, method, args));
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return getObjects().callAsync(h.$green.id, method, args, copied);
}
