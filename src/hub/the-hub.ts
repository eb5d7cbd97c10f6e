/**
 * The one Hub of this isolate, as an object: created on first use, before
 * or without its ops (instance.ts registers them and opens its dispatch).
 * `greenthread run` starts the application's carrier through it while the
 * rest of the hub is still loading.
 *
 * Runs on the hub only.
 */
import { Hub } from './hub.js';

let hub: Hub | undefined;

export function theHub(): Hub {
  return (hub ??= new Hub());
}
