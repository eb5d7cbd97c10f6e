/**
 * Patched blocking calls made on the hub thread itself (plain `node app.js`
 * that calls monkeyPatch() and then execSync outside any green thread). The
 * hub cannot park: with the optional `deasync` package installed, the call
 * starts the async operation and turns the hub's event loop until its
 * callback fires, so green threads, timers and sockets keep being served
 * meanwhile. Without deasync the caller falls back to Node's own blocking
 * call (see the patches).
 *
 * deasync runs the event loop re-entrantly, so such calls nest: a callback
 * that runs while one waits and makes another one returns first (last in,
 * first out), and the outer call returns only after it. Everything here
 * waits on callbacks, never on promises: a promise-based wait inside a
 * microtask never settles under deasync.
 *
 * Set GREENTHREAD_NO_DEASYNC=1 to ignore an installed deasync.
 *
 * Runs on the hub only.
 */
import dns from 'node:dns';
import { createRequire } from 'node:module';
import type { ChildReply, ChildRequest } from '../channel/child.js';
import { runChild } from './child-runner.js';

type Deasync = { loopWhile(pred: () => boolean): void };
const requireHere = createRequire(import.meta.url);
let deasync: Deasync | null | undefined;

function load(): Deasync | null {
  if (deasync === undefined) {
    deasync = null;
    if (!process.env.GREENTHREAD_NO_DEASYNC) {
      try {
        deasync = requireHere('deasync') as Deasync;
      } catch {
        // optional dependency not installed (or no build for this platform)
      }
    }
  }
  return deasync;
}

/** Whether patched calls on the hub keep its loop running (deasync is installed). */
export function canWaitOnHub(): boolean {
  return load() !== null;
}

/** Waits for `start`'s callback while the hub's loop runs; undefined when deasync is missing. */
function waitOnHub<T>(start: (done: (err: unknown, value?: T) => void) => void): { value: T } | undefined {
  const d = load();
  if (!d) return undefined;
  let settled = false;
  let error: unknown;
  let value: T | undefined;
  start((err, v) => {
    settled = true;
    error = err;
    value = v;
  });
  d.loopWhile(() => !settled);
  if (error) throw error;
  return { value: value as T };
}

/** A green spawnSync's child, run by the hub for the hub itself. */
export function childOnHub(request: ChildRequest): ChildReply | undefined {
  return waitOnHub<ChildReply>((done) => {
    runChild(request, (reply) => done(null, reply));
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
