/**
 * Ops behind Timeout and runInHub.
 *
 * Runs on the hub only.
 */
import { deserialize } from '../channel/channel.js';
import { STATUS_TIMEOUT } from '../channel/layout.js';
import { Op } from '../channel/ops.js';
import { GreenArgumentError } from '../errors.js';
import { collect, revive } from '../sync/handles.js';
import { materialize, mayHoldShipped, reviveShipped } from '../shipping/materialize.js';
import type { Shipped } from '../shipping/types.js';
import type { Hub } from './hub.js';

export function registerSyncOps(hub: Hub): void {
  hub.registerOp(Op.TIMEOUT_ARM, (req) => {
    const t = req.thread;
    const id = req.arg as number;
    const ms = Math.min(req.num, 2 ** 31 - 1);
    if (!(ms >= 0)) throw new GreenArgumentError(`Timeout needs a number of milliseconds >= 0, got ${req.num}`);
    const timer = setTimeout(() => {
      t.timers.delete(id);
      hub.interrupt(t, STATUS_TIMEOUT, id);
    }, ms);
    t.timers.set(id, timer);
    hub.reply(req);
  });

  hub.registerOp(Op.TIMEOUT_CANCEL, (req) => {
    const t = req.thread;
    const id = req.num;
    clearTimeout(t.timers.get(id));
    t.timers.delete(id);
    // One that fired but was not delivered was dropped by the dispatcher already.
    hub.reply(req);
  });

  hub.registerOp(Op.RUN_IN_HUB, (req) => {
    const [shipped, argBytes, handles = []] = req.arg as [Shipped, Uint8Array, number[]?];
    // The arguments' handles become hub facades here: one reference each, delivered with them.
    hub.holds?.keepIds(handles);
    const args = revive(deserialize(argBytes) as unknown[]);
    Promise.all([materialize(shipped), mayHoldShipped(argBytes) ? reviveShipped(args) : args])
      .then(([fn]) => fn(...args))
      .then(
        (value) => hub.replyHolding(req, value, value !== null && typeof value === 'object' ? collect(value) : undefined),
        (err) => hub.fail(req, err),
      );
  });
}
