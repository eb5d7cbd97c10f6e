/**
 * The one hub of this isolate, created on first use: importing greenthread
 * starts nothing.
 *
 * Runs on the hub only.
 */
import { Hub } from './hub.js';
import { registerCoreOps } from './ops.js';

let hub: Hub | undefined;

export function getHub(): Hub {
  if (!hub) {
    hub = new Hub();
    registerCoreOps(hub);
  }
  return hub;
}
