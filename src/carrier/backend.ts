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
import { parentPort } from 'node:worker_threads';
import type { CarrierMessage } from '../channel/messages.js';
import type { ChildReply, ChildRequest } from '../channel/child.js';
import type { PatchOptions } from '../patches/monkey-patch.js';
import { liveHandles, revive, setReleaseSink } from '../sync/handles.js';
import { armedTimeouts, beforeNextPark, channel, park } from './channel.js';
import { WAITING } from '../channel/layout.js';
import { cwdState } from '../patches/cwd.js';

type Watcher = (outcome: Outcome) => void;
const watchers = new Map<number, Watcher[]>();
let watching = 0;


function watch(id: number, w: Watcher): void {
  let list = watchers.get(id);
  if (!list) {
    list = [];
    watchers.set(id, list);
    // If it has already ended, the hub sends its outcome at once, all the same.
    park(Op.LINK, id);
  }
  list.push(w);
  watching++;
}

/** An outcome received here: its handles become facades owning the references that came with it. */
function unpackHere(outcome: Outcome, localStack?: string) {
  const r = unpackOutcome(outcome, localStack);
  if (outcome.ok && outcome.handles?.length) r.value = revive(r.value);
  return r;
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

  beforeNextPark,

  setWaiting(waiting: boolean): void {
    Atomics.store(channel.i32, WAITING, waiting ? 1 : 0);
  },

  holdsProcess(holds: boolean): void {
    if (carrier.current !== undefined) parentPort!.postMessage({ t: 'hold', id: carrier.current, holds } satisfies CarrierMessage);
  },

  request(op: number, num: number, value?: unknown): unknown {
    const reply = park(op, num, value);
    return reply !== null && typeof reply === 'object' ? revive(reply) : reply;
  },

  spawn(shipped: Shipped, args: Uint8Array, handles: number[]): number {
    // The child starts in this green thread's working directory.
    return park(Op.SPAWN, 0, [shipped, args, handles, cwdState.dir]) as number;
  },
  wait(id: number): unknown {
    const { failed, error, value } = unpackHere(park(Op.WAIT, id) as Outcome, new Error().stack);
    if (failed) throw error;
    return value;
  },
  result(id: number): Promise<unknown> {
    return new Promise((resolve, reject) =>
      watch(id, (outcome) => {
        const { failed, error, value } = unpackHere(outcome);
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
      const { error, value } = unpackHere(outcome);
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
  netRecv(id: number, max: number, timeout: number | undefined, data: Buffer | undefined): Buffer {
    // Whole milliseconds in an Int32 slot: a fraction rounds up, so a timeout never fires early.
    const ms = timeout === undefined ? -1 : Math.min(Math.ceil(timeout), 0x7fffffff);
    return park(Op.NET_RECV, id, data, Math.min(max, 0x7fffffff), ms) as Buffer;
  },
  objNew(kind: string, options: unknown): number {
    return park(Op.OBJ_NEW, 0, [kind, options]) as number;
  },
  objCall(id: number, method: string, args: unknown[]): unknown {
    return revive(park(Op.OBJ_CALL, 0, [id, method, args]));
  },
  timeoutArm(id: number, ms: number, fire: () => unknown): void {
    armedTimeouts.set(id, fire);
    try {
      park(Op.TIMEOUT_ARM, ms, id);
    } catch (err) {
      armedTimeouts.delete(id);
      throw err;
    }
  },
  timeoutCancel(id: number): void {
    armedTimeouts.delete(id);
    park(Op.TIMEOUT_CANCEL, id);
  },
  dns(kind: 'lookup' | 'resolve', host: string, extra: unknown): unknown {
    return park(Op.DNS, 0, [kind, host, extra]);
  },
  patched(options: PatchOptions): void {
    park(Op.PATCH, 0, options);
  },
  childSpawnSync(request: ChildRequest): ChildReply {
    return park(Op.CHILD_SPAWN_SYNC, 0, request) as ChildReply;
  },
  runInHub(shipped: Shipped, args: Uint8Array, handles: number[]): unknown {
    return revive(park(Op.RUN_IN_HUB, 0, [shipped, args, handles]));
  },
};

// Facades this carrier let go of: their references go back to the hub in one
// message per turn of the event loop, never as a blocking round trip.
let released: number[] = [];
setReleaseSink((id, refs) => {
  if (released.length === 0) setImmediate(flushReleased).unref();
  for (let i = 0; i < refs; i++) released.push(id);
});
/** True while this carrier may still owe the hub released references. */
export function mayRelease(): boolean {
  return released.length > 0 || liveHandles() > 0;
}

function flushReleased(): void {
  const ids = released;
  released = [];
  if (ids.length) parentPort!.postMessage({ t: 'release', ids } satisfies CarrierMessage);
}
