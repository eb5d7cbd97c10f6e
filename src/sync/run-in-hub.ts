/**
 * runInHub: blocking-style code calls any async library through the hub.
 *
 * Runs in green threads.
 */
import { carrierBackend } from '../backend.js';
import { HubBlockingError } from '../errors.js';
import { packCall, restoreErrorClass } from '../green-thread.js';

/**
 * Ships `fn` to the hub (the same rules as spawn; a module URL stands for
 * its default export), calls it there with `args`, and parks the green
 * thread until its promise settles: returns its value or throws its error. One client object in the hub (a database pool,
 * an HTTP agent) then serves every green thread.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * async function query(sql, params) {
 *   globalThis.db ??= new pg.Pool({ connectionString: process.env.DATABASE_URL })
 *   return (await globalThis.db.query(sql, params)).rows
 * }
 * spawn(() => {
 *   const rows = runInHub(query, 'select now()', [])   // blocking style, async underneath
 * })
 * ```
 */
export function runInHub<A extends unknown[], R>(fn: ((...args: A) => R | Promise<R>) | URL, ...args: A): R {
  const b = carrierBackend();
  if (!b) throw new HubBlockingError('runInHub');
  const { shipped, bytes, handles } = packCall(fn, args);
  try {
    return b.runInHub(shipped, bytes, handles) as R;
  } catch (err) {
    throw restoreErrorClass(err, fn, shipped);
  }
}
