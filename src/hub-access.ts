/**
 * The hub's code, loaded on first use by the thread that is the hub. The
 * public API runs in carriers too; a carrier never calls these, so it never
 * loads the hub (its pool, objects and ops): that keeps carriers small and
 * quick to start.
 *
 * Runs on the hub only (the module itself loads anywhere and does nothing).
 */
import { createRequire } from 'node:module';
import { ownPath } from './own-files.js';
import type * as Instance from './hub/instance.js';

const requireHere = createRequire(import.meta.url);
let instance: typeof Instance | undefined;

function load(): typeof Instance {
  // require() of an ES module without top-level await: synchronous (Node >= 20.19).
  return (instance ??= requireHere(ownPath('hub/instance.js')) as typeof Instance);
}

export function getHub(): ReturnType<typeof Instance.getHub> {
  return load().getHub();
}

export function getObjects(): ReturnType<typeof Instance.getObjects> {
  return load().getObjects();
}

/** Sockets and servers open in the hub. */
export function netCounts(): { sockets: number; servers: number } {
  getHub();
  return (requireHere(ownPath('hub/net/ops-net.js')) as typeof import('./hub/net/ops-net.js')).netCounts();
}

/** The hub-thread fallback for patched blocking calls (deasync). */
export function hubBlocking(): typeof import('./hub/block-on-hub.js') {
  return requireHere(ownPath('hub/block-on-hub.js')) as typeof import('./hub/block-on-hub.js');
}

/** The hub's diagnostics (the dump of green threads). */
export function hubDiagnostics(): typeof import('./hub/diagnostics.js') {
  getHub();
  return requireHere(ownPath('hub/diagnostics.js')) as typeof import('./hub/diagnostics.js');
}
