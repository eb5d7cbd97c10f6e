/**
 * The one hub of this isolate, created on first use: importing greenthread
 * starts nothing.
 *
 * Runs on the hub only.
 */
import { Hub } from './hub.js';
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
    hub = new Hub();
    registerCoreOps(hub);
    registerSyncOps(hub);
    registerChildOps(hub);
    objects = new HubObjects(hub);
    hub.holds = objects;
    registerNetOps(hub, objects);
    registerHttpOps(hub, objects);
  }
  return hub;
}

/** The hub's table of hub objects (Event, Semaphore, Queue, pools). */
export function getObjects(): HubObjects {
  getHub();
  return objects!;
}
