/**
 * The carrier's end of its channel: post a request, ring the hub's doorbell,
 * park on Atomics.wait until the reply for exactly this request arrives.
 *
 * Runs on a carrier (worker thread) only.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { errorFromWire, GreenProtocolError, GreenThreadExit, type WireError } from '../errors.js';
import { ChannelView } from '../channel/channel.js';
import {
  F64_REQ,
  F64_RESP,
  REQ_ARG,
  REQ_ARG2,
  REQ_KIND,
  REQ_LEN,
  REQ_OP,
  REQ_SEQ,
  RESP_KIND,
  RESP_LEN,
  RESP_SEQ,
  RESP_STATUS,
  ringDoorbell,
  OP_TRACED,
  TRACE,
  STATUS_KILLED,
  STATUS_OK,
  STATUS_TIMEOUT,
} from '../channel/layout.js';
import type { CarrierData } from '../channel/messages.js';

const data = workerData as CarrierData;
export const channel = new ChannelView(data.channel);
export const port: MessagePort = data.port;
const bell = new Int32Array(data.doorbell);
let seq = 0;

/**
 * Timeouts armed by the green thread running here, by id: each gives the
 * error to throw when the hub reports that it fired.
 */
export const armedTimeouts = new Map<number, () => unknown>();

const beforeParkFns = new Set<() => void>();
let beforePark = false;

/**
 * Runs `fn` once, right before the next park of this green thread (whatever
 * it parks on), or when it ends; `active` false takes it back. How bytes a
 * green thread's sendall left in its socket reach the hub before it waits on
 * anything else, and how a serveHttp handler gives back the requests it
 * holds when it blocks.
 */
export function beforeNextPark(fn: () => void, active: boolean): void {
  if (active) beforeParkFns.add(fn);
  else beforeParkFns.delete(fn);
  beforePark = beforeParkFns.size > 0;
}

/** Runs (and forgets) what beforeNextPark registered, now. */
export function runBeforePark(): void {
  const fns = [...beforeParkFns];
  beforeParkFns.clear();
  beforePark = false;
  for (const fn of fns) fn();
}

/** Forgets what beforeNextPark registered, without running it (a new green thread starts). */
export function clearBeforePark(): void {
  beforeParkFns.clear();
  beforePark = false;
}

/**
 * Called before every park (unlike beforeNextPark, not only the next). The
 * fibers shim (src/fibers/) sets it while a fiber runs here: a fiber whose
 * runner is blocked in `fiber.run()` must let that runner return before
 * waiting on the hub, since the runner may be the hub itself (blocked, it
 * could never answer). Unset, a park costs nothing more.
 */
let everyPark: (() => void) | undefined;
export function setBeforePark(hook: (() => void) | undefined): void {
  everyPark = hook;
}

/**
 * Parks the current green thread until the hub has served request `op`.
 * `num` travels in a Float64 slot, `arg` and `arg2` in Int32 slots; `value`,
 * if any, is serialized (a Buffer goes as its raw bytes).
 * Returns the reply, or throws the error (or GreenThreadExit) the hub sent.
 */
export function park(op: number, num = 0, value?: unknown, arg = 0, arg2 = 0): unknown {
  if (beforePark) runBeforePark();
  everyPark?.();
  const i32 = channel.i32;
  channel.f64[F64_REQ] = num;
  i32[REQ_ARG] = arg;
  i32[REQ_ARG2] = arg2;
  channel.writeValue(REQ_LEN, REQ_KIND, value, port, 'argument');
  // Tracing (a diagnostic the hub turns on): the stack where it parks follows the payload.
  if (i32[TRACE] !== 0) {
    port.postMessage(new Error().stack);
    op |= OP_TRACED;
  }
  i32[REQ_OP] = op;
  const mine = ++seq | 0;
  Atomics.store(i32, REQ_SEQ, mine);

  ringDoorbell(bell, data.index);

  // Wait on the sequence number, never on a flag: a stale notify for an
  // earlier request only makes us re-check and park again.
  for (let seen = Atomics.load(i32, RESP_SEQ); seen !== mine; seen = Atomics.load(i32, RESP_SEQ)) {
    Atomics.wait(i32, RESP_SEQ, seen);
  }
  const status = i32[RESP_STATUS];
  const reply = channel.read(RESP_LEN, RESP_KIND, F64_RESP, port);
  if (status === STATUS_OK) return reply;
  if (status === STATUS_KILLED) throw new GreenThreadExit(reply);
  if (status === STATUS_TIMEOUT) {
    const fire = armedTimeouts.get(reply as number);
    armedTimeouts.delete(reply as number);
    if (fire) throw fire();
    throw new GreenProtocolError(`the hub fired timeout ${String(reply)}, which this green thread does not have`);
  }
  throw errorFromWire(reply as WireError, new Error().stack);
}
