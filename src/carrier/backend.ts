/**
 * The public API as it works inside a green thread: every blocking call is a
 * request to the hub that parks this carrier until the hub answers.
 *
 * Runs on a carrier only.
 */
import type { Backend, ThreadStatus } from '../backend.js';
import type { Outcome } from '../channel/messages.js';
import { Op } from '../channel/ops.js';
import { unpackOutcome } from '../channel/outcome.js';
import type { Shipped } from '../shipping/types.js';
import { park } from './channel.js';

type Watcher = (outcome: Outcome) => void;
const watchers = new Map<number, Watcher[]>();
let watching = 0;


function watch(id: number, w: Watcher): void {
  let list = watchers.get(id);
  if (!list) {
    list = [];
    watchers.set(id, list);
    if (park(Op.LINK, id) === true) {
      // Already dead: the hub sends the outcome right away all the same.
    }
  }
  list.push(w);
  watching++;
}

export function notifyEnded(id: number, outcome: Outcome): void {
  const list = watchers.get(id);
  if (!list) return;
  watchers.delete(id);
  watching -= list.length;
  for (const w of list) w(outcome);
}

export const carrier: Backend & { current: number | undefined; pendingNotifications(): number } = {
  isCarrier: true,
  current: undefined,
  pendingNotifications: () => watching,

  spawn(shipped: Shipped, args: Uint8Array): number {
    return park(Op.SPAWN, 0, [shipped, args]) as number;
  },
  wait(id: number): unknown {
    const { failed, error, value } = unpackOutcome(park(Op.WAIT, id) as Outcome, new Error().stack);
    if (failed) throw error;
    return value;
  },
  result(id: number): Promise<unknown> {
    return new Promise((resolve, reject) =>
      watch(id, (outcome) => {
        const { failed, error, value } = unpackOutcome(outcome);
        if (failed) reject(error);
        else resolve(value);
      }),
    );
  },
  kill(id: number, reason: unknown, force: boolean): void {
    park(Op.KILL, id, [reason, force]);
  },
  link(id: number, cb: (error: unknown, value: unknown) => void): void {
    watch(id, (outcome) => {
      const { error, value } = unpackOutcome(outcome);
      cb(error, value);
    });
  },
  status(id: number): ThreadStatus {
    return park(Op.STATUS, id) as ThreadStatus;
  },
  sleep(ms: number): void {
    park(Op.SLEEP, ms);
  },
  currentId(): number | undefined {
    return this.current;
  },
  nop(): void {
    park(Op.NOP);
  },
};
