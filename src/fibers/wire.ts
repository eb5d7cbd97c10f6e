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
 * - TO_RUNNER, written by the fiber: it yielded, returned, threw, parked
 *   on I/O (then the runner returns undefined and the fiber goes on alone),
 *   or called process.exit (then the runner never returns).
 * - TO_FIBER, written by the runner: run with a value, throw into, reset.
 *
 * STATE says who may write the payload: the fiber while RUNNING, the runner
 * while YIELDED or DONE. The runner flips YIELDED (or DONE, to start the next
 * body on the same host) to RUNNING with a compare-exchange, so two runners
 * can never resume the same fiber, and a host that is leaving (DONE to
 * EXITED) is never given a fiber.
 *
 * A host is the green thread behind a link: it runs one fiber body after
 * another, as node-fibers' pool reused coroutines, so a fiber started on an
 * idle host starts without the hub.
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
import { ChannelView, deserialize } from '../channel/channel.js';
import { CHANNEL_BYTES, KIND_BYTES, LEN_PORT } from '../channel/layout.js';
import { GreenProtocolError } from '../errors.js';
import { carrierBackend } from '../backend.js';

export const STATE = 0;
export const TO_RUNNER = 1;
export const TO_FIBER = 2;
export const LEN = 3;
/** How the value is encoded (KIND_CLONE or KIND_BYTES of src/channel/layout.ts). */
export const VALUE_KIND = 4;
export const F64 = 0;

export const RUNNING = 1;
export const YIELDED = 2;
export const DONE = 3;
/** A host that idled too long and left: never start a fiber on it. */
export const EXITED = 4;

/** Fiber to runner. */
export const EV_YIELD = 1;
export const EV_RETURN = 2;
export const EV_THROW = 3;
export const EV_PARKED = 4;
/** The fiber called process.exit (payload: the exit code): the process is ending. */
export const EV_EXIT = 5;

/** Runner to fiber. */
export const CMD_RUN = 1;
export const CMD_THROW = 2;
export const CMD_RESET = 3;
/** Start a new body on a host whose last one is DONE. Payload: a FiberJob. */
export const CMD_START = 4;

const KIND_BITS = 3;
export const kindOf = (word: number): number => word & ((1 << KIND_BITS) - 1);
export const nextWord = (word: number, kind: number): number => (((word >>> KIND_BITS) + 1) << KIND_BITS) | kind;

/**
 * A BroadcastChannel read synchronously. A BroadcastChannel delivers its
 * messages as events whenever its thread's event loop turns, listener or not,
 * so messages that arrive while the loop runs are kept in an inbox here;
 * those that arrive while the thread is blocked are taken with
 * receiveMessageOnPort. Unref'd: it never keeps a thread alive.
 */
export class Mailbox {
  readonly channel: BroadcastChannel;
  readonly #inbox: unknown[] = [];

  constructor(name: string) {
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (e) => this.#inbox.push((e as MessageEvent).data);
    (this.channel as unknown as { unref(): void }).unref();
  }

  receive(): unknown {
    if (this.#inbox.length) return this.#inbox.shift();
    return receiveMessageOnPort(this.channel as unknown as MessagePort)?.message;
  }

  post(value: unknown): void {
    this.channel.postMessage(value);
  }

  close(): void {
    this.channel.close();
  }
}

/** One end of a fiber's link: its buffer, views and the mailbox that carries big values. */
export class FiberLink {
  readonly view: ChannelView;
  readonly i32: Int32Array;
  readonly port: MessagePort;

  constructor(
    readonly sab: SharedArrayBuffer,
    readonly mailbox: Mailbox,
  ) {
    this.view = new ChannelView(sab);
    this.i32 = this.view.i32;
    // The codec posts values too big for the payload area on its port: the mailbox's channel.
    this.port = mailbox.channel as unknown as MessagePort;
  }

  static create(name: string): FiberLink {
    const link = new FiberLink(new SharedArrayBuffer(CHANNEL_BYTES), new Mailbox(name));
    link.mailbox.post({ sab: link.sab });
    return link;
  }

  write(value: unknown): void {
    this.view.write(LEN, VALUE_KIND, F64, value, this.port);
  }

  read(): unknown {
    if (this.i32[LEN] !== LEN_PORT) return this.view.read(LEN, VALUE_KIND, F64, this.port);
    const bytes = this.mailbox.receive();
    if (!(bytes instanceof Uint8Array)) throw new GreenProtocolError('a fiber value announced on its channel is missing');
    if (this.i32[VALUE_KIND] === KIND_BYTES) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return deserialize(bytes);
  }

  /** Publishes `kind` on word `slot` and wakes whoever waits on it. */
  signal(slot: number, kind: number): void {
    Atomics.store(this.i32, slot, nextWord(Atomics.load(this.i32, slot), kind));
    Atomics.notify(this.i32, slot);
  }

  close(): void {
    this.mailbox.close();
  }
}

/** The runner's end of a host's channel, open before the host starts so that its first message is kept. */
export function openChannel(name: string): Mailbox {
  return new Mailbox(name);
}

/** The buffer the host sent, if it has arrived. */
export function receiveLink(mailbox: Mailbox): FiberLink | undefined {
  const msg = mailbox.receive() as { sab: SharedArrayBuffer } | undefined;
  return msg ? new FiberLink(msg.sab, mailbox) : undefined;
}

/**
 * Atomics.wait on a fiber's buffer. In a carrier it tells the hub that this
 * green thread holds no core meanwhile (a fiber yielded, a runner waiting on
 * its fiber), so the pool does not hold queued green threads back for it.
 */
export function waitAside(i32: Int32Array, index: number, value: number, timeout?: number): 'ok' | 'not-equal' | 'timed-out' {
  const b = carrierBackend();
  b?.setWaiting(true);
  try {
    return Atomics.wait(i32, index, value, timeout);
  } finally {
    b?.setWaiting(false);
  }
}
