/**
 * The core ops: what a parked green thread can ask the hub for. Each handler
 * settles its request exactly once (reply or fail), now or later, and sets
 * `cancel` when it started something a kill must undo.
 *
 * Runs on the hub only.
 */
import { Op } from '../channel/ops.js';
import { GreenArgumentError } from '../errors.js';
import type { Shipped } from '../shipping/types.js';
import type { Hub } from './hub.js';

/** Largest delay a Node timer takes (about 24.8 days); longer sleeps are chained. */
const MAX_TIMER = 2 ** 31 - 1;

function unknownThread(id: number): GreenArgumentError {
  return new GreenArgumentError(
    `green thread ${id} is not known to the hub: it never existed, or it ended after the green thread that spawned it ended, ` +
      `which releases its result, or it ended before the 10,000 most recent children of its spawner that nobody waited for. ` +
      `Keep the value (g.wait() or await g.result) while you still need it.`,
  );
}

export function registerCoreOps(hub: Hub): void {
  hub.registerOp(Op.NOP, (req) => hub.reply(req));

  hub.registerOp(Op.SLEEP, (req) => {
    const ms = req.num;
    if (!(ms >= 0)) throw new GreenArgumentError(`sleep(ms) needs a number of milliseconds >= 0, got ${ms}`);
    if (ms === 0) {
      // sleep(0) yields: the hub serves everyone else once before waking it.
      const im = setImmediate(() => hub.reply(req));
      req.cancel = () => clearImmediate(im);
      return;
    }
    const deadline = performance.now() + ms;
    let timer: NodeJS.Timeout;
    const arm = () => {
      const left = deadline - performance.now();
      if (left <= 0) return void hub.reply(req);
      timer = setTimeout(arm, Math.min(left, MAX_TIMER));
    };
    timer = setTimeout(arm, Math.min(ms, MAX_TIMER));
    req.cancel = () => clearTimeout(timer);
  });

  hub.registerOp(Op.WAIT, (req) => {
    const t = hub.threads.get(req.num);
    if (!t) {
      const outcome = hub.ended.get(req.num);
      hub.observeEnded(req.num);
      if (outcome) return void hub.deliverOutcome(req, outcome);
      throw unknownThread(req.num);
    }
    if (t === req.thread) {
      throw new GreenArgumentError(`green thread ${t.id} called wait() on itself, which would never return`);
    }
    t.observed = true;
    t.waiters.push(req);
    req.cancel = () => {
      const i = t.waiters.indexOf(req);
      if (i >= 0) t.waiters.splice(i, 1);
    };
  });

  hub.registerOp(Op.SPAWN, (req) => {
    const [shipped, args, handles = [], cwd] = req.arg as [Shipped, Uint8Array, number[]?, unknown?];
    hub.holds?.keepIds(handles);
    const t = hub.spawn(shipped, args, { parent: req.thread.id, handles, cwd: typeof cwd === 'string' ? cwd : undefined });
    hub.reply(req, t.id);
  });

  hub.registerOp(Op.KILL, (req) => {
    const [reason, force] = req.arg as [unknown, boolean];
    const t = hub.threads.get(req.num);
    hub.reply(req);
    // After the reply: a green thread that kills itself gets GreenThreadExit at its next park.
    if (t) hub.kill(t, reason, force);
  });

  hub.registerOp(Op.LINK, (req) => {
    const t = hub.threads.get(req.num);
    if (t) {
      t.observed = true;
      t.watchers.add(req.carrier);
      return void hub.reply(req, false);
    }
    const outcome = hub.ended.get(req.num);
    if (!outcome) throw unknownThread(req.num);
    hub.observeEnded(req.num);
    hub.postEnded(req.carrier, req.num, outcome);
    hub.reply(req, true);
  });

  hub.registerOp(Op.STATUS, (req) => {
    const t = hub.threads.get(req.num);
    if (t) return void hub.reply(req, { dead: false, killed: false });
    const outcome = hub.ended.get(req.num);
    if (!outcome) {
      // It ended and its outcome was let go of (see unknownThread): dead, for
      // sure; how it ended is not known any more.
      if (hub.hasIssued(req.num)) return void hub.reply(req, { dead: true, killed: undefined });
      throw unknownThread(req.num);
    }
    hub.reply(req, { dead: true, killed: !outcome.ok && outcome.killed });
  });
}
