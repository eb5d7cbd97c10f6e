/**
 * The shared memory between a fiber and its runner (whoever called
 * `fiber.run()`): one SharedArrayBuffer per fiber, laid out like a carrier's
 * channel (Int32 header, two Float64 slots, a payload area) so that
 * ChannelView's value codec serves both.
 *
 * Why not hub requests: `run()` blocks its thread until the fiber yields. On
 * the hub that thread is the event loop that would serve the request, so the
 * two sides talk directly, with Atomics.wait on words of this buffer.
 *
 * Two words carry the control flow, each a sequence counter with the kind of
 * message in its low bits (a counter, never a flag: a stale notify can only
 * make a waiter look again):
 *
 * - TO_RUNNER, written by the fiber: it yielded, returned, threw, or parked
 *   on I/O (then the runner returns undefined and the fiber goes on alone).
 * - TO_FIBER, written by the runner: run with a value, throw into, reset.
 *
 * STATE says who may write the payload: the fiber while RUNNING, the runner
 * while YIELDED. The runner flips YIELDED to RUNNING with a compare-exchange,
 * so two runners can never resume the same fiber.
 *
 * The buffer is created by the fiber's side and handed over on a
 * BroadcastChannel with a name unique to the fiber (a MessagePort cannot be
 * sent through spawn's structured clone, a SharedArrayBuffer neither); the
 * runner reads it synchronously with receiveMessageOnPort. Values too big for
 * the payload area go over the same channel.
 *
 * Runs on every thread.
 */
import { BroadcastChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ChannelView } from '../channel/channel.js';
import { CHANNEL_BYTES } from '../channel/layout.js';

export const STATE = 0;
export const TO_RUNNER = 1;
export const TO_FIBER = 2;
export const LEN = 3;
export const F64 = 0;

export const RUNNING = 1;
export const YIELDED = 2;
export const DONE = 3;

/** Fiber to runner. */
export const EV_YIELD = 1;
export const EV_RETURN = 2;
export const EV_THROW = 3;
export const EV_PARKED = 4;

/** Runner to fiber. */
export const CMD_RUN = 1;
export const CMD_THROW = 2;
export const CMD_RESET = 3;

const KIND_BITS = 3;
export const kindOf = (word: number): number => word & ((1 << KIND_BITS) - 1);
export const nextWord = (word: number, kind: number): number => (((word >>> KIND_BITS) + 1) << KIND_BITS) | kind;

/** One end of a fiber's link: its buffer, views and the channel that carries big values. */
export class FiberLink {
  readonly view: ChannelView;
  readonly i32: Int32Array;
  readonly port: MessagePort;

  constructor(
    readonly sab: SharedArrayBuffer,
    readonly channel: BroadcastChannel,
  ) {
    this.view = new ChannelView(sab);
    this.i32 = this.view.i32;
    // BroadcastChannel has postMessage and works with receiveMessageOnPort: the codec's port.
    this.port = channel as unknown as MessagePort;
  }

  static create(name: string): FiberLink {
    const channel = new BroadcastChannel(name);
    (channel as unknown as { unref(): void }).unref();
    const link = new FiberLink(new SharedArrayBuffer(CHANNEL_BYTES), channel);
    channel.postMessage({ sab: link.sab });
    return link;
  }

  write(value: unknown): void {
    this.view.write(LEN, F64, value, this.port);
  }

  read(): unknown {
    return this.view.read(LEN, F64, this.port);
  }

  /** Publishes `kind` on word `slot` and wakes whoever waits on it. */
  signal(slot: number, kind: number): void {
    Atomics.store(this.i32, slot, nextWord(Atomics.load(this.i32, slot), kind));
    Atomics.notify(this.i32, slot);
  }

  close(): void {
    this.channel.close();
  }
}

/** The runner's end of a fiber's channel, open before the fiber starts so that its first message is kept. */
export function openChannel(name: string): BroadcastChannel {
  const channel = new BroadcastChannel(name);
  (channel as unknown as { unref(): void }).unref();
  return channel;
}

/** The buffer the fiber sent, if it has arrived. */
export function receiveLink(channel: BroadcastChannel): FiberLink | undefined {
  const msg = receiveMessageOnPort(channel as unknown as MessagePort);
  if (!msg) return undefined;
  return new FiberLink((msg.message as { sab: SharedArrayBuffer }).sab, channel);
}
