/**
 * Functions of the hub that a green thread calls as its own: in the green
 * thread, a function that parks it while the hub runs the real one.
 *
 * Runs on every thread: the facade is made where a handle arrives; the hub
 * side registers its functions (./handles.ts counts the references).
 */
import { carrierBackend } from '../backend.js';
import { getObjects } from '../hub-access.js';
import { HANDLE, HubHandle, registerKind, track, type HandleRef } from './handles.js';

const KIND = 'callback';

/** The hub-side facade that owns the first reference of a registered function. */
class CallbackHandle extends HubHandle {}

// A function registered again while its handle lives keeps one hub object.
const registered = new WeakMap<Function, WeakRef<CallbackHandle>>();

/**
 * The handle marker of hub function `fn`, to send to a green thread in place
 * of the function. The hub keeps `fn` while a green thread holds it.
 */
export function callbackMarker(fn: Function): { $green: HandleRef } {
  let handle = registered.get(fn)?.deref();
  if (!handle) {
    const id = getObjects().insertFunction(fn);
    handle = track(new CallbackHandle({ k: KIND, id }));
    registered.set(fn, new WeakRef(handle));
  }
  return { $green: handle.$green };
}

/** A function facade received from the hub: its handle, to pass it on. */
export function callbackRef(fn: Function): HandleRef | undefined {
  const ref = (fn as unknown as Record<string, unknown>)[HANDLE] as HandleRef | undefined;
  return ref && ref.k === KIND ? ref : undefined;
}

registerKind(KIND, (ref) => {
  const id = ref.id;
  const stub = function (this: unknown, ...args: unknown[]): unknown {
    const b = carrierBackend();
    // Back on the hub (a green thread handed it back): the function itself.
    if (!b) return getObjects().functionOf(id)?.apply(this, args);
    return b.objCall(id, 'call', args);
  };
  Object.defineProperty(stub, HANDLE, { value: Object.freeze({ ...ref }), enumerable: false });
  return stub as unknown as HubHandle;
});
