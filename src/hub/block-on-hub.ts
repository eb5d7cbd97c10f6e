/**
 * Patched blocking calls made on the hub thread itself (plain `node app.js`
 * that calls monkeyPatch() and then execSync outside any green thread). The
 * hub cannot park: with the optional `deasync` package installed, the call
 * starts the async operation and turns the hub's event loop until its
 * callback fires, so green threads, timers and sockets keep being served
 * meanwhile. Without deasync the caller falls back to Node's own blocking
 * call (see the patches).
 *
 * deasync runs the event loop re-entrantly, so a callback that runs while
 * one call waits may make another. Such calls do not nest here: only one
 * call at a time waits under deasync, and one made meanwhile runs Node's own
 * blocking call (so it returns first, and the outer one after it). Nesting
 * deasync's loops, under load, loses children's exits and hangs the process
 * (many concurrent requests on a server that calls execSync on its main
 * thread did). Everything here waits on callbacks, never on promises: a
 * promise-based wait inside a microtask never settles under deasync.
 *
 * Set GREENTHREAD_NO_DEASYNC=1 to ignore an installed deasync.
 *
 * Runs on the hub only.
 */
import dns from 'node:dns';
import type { ChildReply, ChildRequest } from '../channel/child.js';
import { loopTurner } from '../deasync.js';
import { startChild } from './spawner.js';

/** Whether the optional deasync is installed (and not turned off). */
export function hasDeasync(): boolean {
  return loopTurner() !== null;
}

/** Calls waiting under deasync right now (0 or 1, see above). */
let waiting = 0;

/**
 * Whether a patched call on the hub can wait with the loop running now:
 * deasync is installed and no other call is already waiting under it.
 */
export function canWaitOnHub(): boolean {
  return waiting === 0 && loopTurner() !== null;
}

/** Waits for `start`'s callback while the hub's loop runs; undefined when deasync is missing. */
function waitOnHub<T>(start: (done: (err: unknown, value?: T) => void) => void): { value: T } | undefined {
  const d = loopTurner();
  if (!d || waiting > 0) return undefined;
  let settled = false;
  let error: unknown;
  let value: T | undefined;
  start((err, v) => {
    settled = true;
    error = err;
    value = v;
  });
  waiting++;
  try {
    d.loopWhile(() => !settled);
  } finally {
    waiting--;
  }
  if (error) throw error;
  return { value: value as T };
}

/** A green spawnSync's child, run by the hub for the hub itself. */
export function childOnHub(request: ChildRequest): ChildReply | undefined {
  return waitOnHub<ChildReply>((done) => {
    startChild(request, (reply) => done(null, reply), (err) => done(err));
  })?.value;
}

/** dns.lookup or dns.resolve, waited for on the hub. */
export function dnsOnHub(kind: 'lookup' | 'resolve', host: string, extra: unknown): { value: unknown } | undefined {
  return waitOnHub<unknown>((done) => {
    if (kind === 'lookup') {
      const opts = (extra ?? {}) as dns.LookupOptions;
      dns.lookup(host, opts, (err, address, family) => done(err, opts.all ? address : { address, family }));
    } else dns.resolve(host, (extra as string | undefined) ?? 'A', (err: unknown, records: unknown) => done(err, records));
  });
}
