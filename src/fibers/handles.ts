/**
 * Hub objects (Event, Queue, ...) inside values that cross a fiber's link.
 *
 * spawn's arguments and the hub's replies count a reference per handle they
 * deliver (src/sync/handles.ts); values between a fiber and its runner do not
 * go through the hub, so the hub side does that counting here: what it sends
 * to a fiber's carrier is credited to that carrier, and what it receives gets
 * references of its own. Between two carriers (nested fibers) nobody could
 * count without a hub round trip: such values are refused with a clear error
 * (see {@link refuseBetweenCarriers}) instead of arriving as dead markers.
 *
 * Runs on every thread.
 */
import { carrierBackend } from '../backend.js';
import { mayHoldHandles, serialize } from '../channel/channel.js';
import { getHub } from '../hub-access.js';
import { collect, revive } from '../sync/handles.js';
import { FiberError, fiberCodes } from './errors.js';

/** Before the hub sends `value` to the carrier running green thread `threadId`. */
export function creditOutgoing(value: unknown, threadId: number): void {
  if (carrierBackend() || value === null || typeof value !== 'object') return;
  if (!mayHoldHandles(serialize(value))) return;
  const ids = collect(value);
  if (!ids.length) return;
  const hub = getHub();
  const carrier = hub.threads.get(threadId)?.carrier;
  if (!carrier) return;
  hub.holds?.keepIds(ids);
  hub.credit(carrier, ids);
}

/** A value that arrived from the other side: its handles become facades where that can be counted. */
export function reviveIncoming(value: unknown, fromHub: boolean): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (fromHub && carrierBackend()) return revive(value);
  if (!carrierBackend()) {
    const ids = collect(value);
    if (!ids.length) return value;
    getHub().holds?.keepIds(ids);
    return revive(value);
  }
  return value;
}

/** Whether `value` holds a hub object's handle. */
export function holdsHandles(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  return mayHoldHandles(serialize(value)) && collect(value).length > 0;
}

/** The error for a hub object in a value between two carriers. */
export function refuseBetweenCarriers(what: string): FiberError {
  return new FiberError(
    `${what} holds a hub object (Event, Queue, ...), which cannot pass between two fibers' carriers: nothing there would count its references. ` +
      'Pass it in the first run() of the fiber, or share it through a Queue',
    fiberCodes.handle,
  );
}
