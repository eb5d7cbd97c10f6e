/**
 * The one hub of this isolate with every op registered, created on first
 * use: importing greenthread starts nothing.
 *
 * Runs on the hub only.
 */
import type { Hub } from './hub.js';
import { theHub } from './the-hub.js';
import { HubObjects } from './objects/registry.js';
import { registerCoreOps } from './ops.js';
import { registerSyncOps } from './ops-sync.js';
import { registerChildOps } from './ops-child.js';
import { registerNetOps } from './net/ops-net.js';
import { registerHttpOps } from './net/http-serve.js';

let hub: Hub | undefined;
let objects: HubObjects | undefined;

export function getHub(): Hub {
  if (!hub) {
    const h = theHub();
    registerCoreOps(h);
    registerSyncOps(h);
    registerChildOps(h);
    objects = new HubObjects(h);
    h.holds = objects;
    registerNetOps(h, objects);
    registerHttpOps(h, objects);
    h.openDispatch();
    hub = h;
  }
  return hub;
}

/** The hub's table of hub objects (Event, Semaphore, Queue, pools). */
export function getObjects(): HubObjects {
  getHub();
  return objects!;
}
