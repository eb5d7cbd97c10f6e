/**
 * The hub's view of one carrier (a pooled worker thread) and the pool that
 * starts, reuses and ends them.
 *
 * Runs on the hub only.
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import type { MessagePort, Worker } from 'node:worker_threads';
import { ChannelView, serialize } from '../channel/channel.js';
import { CMD_LEN, CMD_SEQ, WAITING } from '../channel/layout.js';
import type { CarrierMessage, HubMessage, RunCommand } from '../channel/messages.js';
import type { ResolvedOptions } from './config.js';
import type { PatchOptions } from '../patches/monkey-patch.js';
import type { HubRequest, ThreadRecord } from './types.js';
import { startCarrierWorker, type CarrierWorker } from './carrier-worker.js';

/** The shortest interval over which a carrier's event-loop use is judged. */
const MIN_ELU_SAMPLE_MS = 5;

/** A carrier's worker started before the hub loaded (hub/early-carrier.ts), with what it said meanwhile. */
export interface EarlyStart {
  worker: CarrierWorker;
  /** Stops keeping its events and gives those kept, in order. */
  handOver(): Array<[event: 'message' | 'error' | 'exit', value: unknown]>;
}

export type CarrierState = 'starting' | 'idle' | 'busy' | 'dead';

export class CarrierRef {
  state: CarrierState = 'starting';
  /** The hub's patchVersion this carrier has applied. */
  patchVersion = 0;
  /** It said 'ready' (its bootstrap ran). */
  ready = false;
  /** Given a green thread before it said 'ready' (Hub's #runOnStarting): it no longer counts as starting. */
  claimed = false;
  thread: ThreadRecord | undefined;
  /** The request its green thread is parked on, if any. */
  pending: HubRequest | undefined;
  /** Seq of the last request accepted from this carrier. */
  lastSeq = 0;
  /** A posted seq the hub's sweep saw without its doorbell bit (see Hub's sweep). */
  unrungSeq: number | undefined;
  /** Shipped code keys this carrier has already materialized. */
  readonly known = new Set<string>();
  readonly view: ChannelView;
  readonly port: MessagePort;
  readonly worker: Worker;
  idleTimer: NodeJS.Timeout | undefined;
  /** The carrier said it will exit on its own (its green thread left a mess). */
  retiring = false;
  /** Its green thread broke the channel protocol: the carrier is ended, not reused, when that green thread ends. */
  broken = false;
  /**
   * References to hub objects delivered to this carrier and not yet released
   * by it, by object id: released all at once if the carrier dies, since its
   * facades die with its isolate.
   */
  readonly held = new Map<number, number>();
  /** Why it died, when it did. */
  error: unknown;
  readonly startedAt: number;

  constructor(
    readonly index: number,
    doorbell: SharedArrayBuffer,
    opts: ResolvedOptions,
    argv: string[] | undefined,
    patches: PatchOptions | undefined,
    onMessage: (c: CarrierRef, m: CarrierMessage) => void,
    onExit: (c: CarrierRef) => void,
    early?: EarlyStart,
  ) {
    const started = early?.worker ?? startCarrierWorker(index, doorbell, { argv, exitForwarding: opts.exitForwarding, patches, resourceLimits: opts.resourceLimits });
    this.view = new ChannelView(started.channel);
    this.port = started.port;
    this.worker = started.worker;
    this.startedAt = started.startedAt;
    this.worker.on('message', (m: CarrierMessage) => onMessage(this, m));
    this.worker.on('error', (err) => {
      this.error ??= err;
    });
    this.worker.on('exit', () => {
      this.state = 'dead';
      onExit(this);
    });
    // Carriers never keep the process alive on their own: the hub holds one
    // ref'd handle while any green thread lives. (After the listeners:
    // adding a 'message' listener refs the worker again.)
    this.worker.unref();
    if (early) {
      // What it said before the hub was here: after the caller has registered it, before anything newer.
      const backlog = early.handOver();
      queueMicrotask(() => {
        for (const [event, value] of backlog) this.worker.emit(event, value);
      });
    }
  }

  #elu: EventLoopUtilization | undefined;
  #computing = true;

  /**
   * Whether its green thread (neither parked nor idle) keeps a core busy:
   * its event loop was busy more than half the time since this was last
   * asked. A green thread awaiting something on its own loop (an async
   * library) is not. Too short an interval keeps the last verdict.
   */
  computing(): boolean {
    // Waiting outside the hub (a fiber between runs): no core.
    if (Atomics.load(this.view.i32, WAITING) !== 0) return false;
    const perf = this.worker.performance;
    if (!this.#elu) {
      this.#elu = perf.eventLoopUtilization();
      return this.#computing;
    }
    const d = perf.eventLoopUtilization(this.#elu);
    if (d.idle + d.active < MIN_ELU_SAMPLE_MS) return this.#computing;
    this.#computing = d.utilization > 0.5;
    this.#elu = perf.eventLoopUtilization();
    return this.#computing;
  }

  /** Starts a green thread on this idle carrier: one write and one notify. */
  run(cmd: RunCommand): void {
    // A new green thread computes until its loop says otherwise.
    this.#computing = true;
    this.#elu = undefined;
    this.view.writeBytes(CMD_LEN, serialize(cmd, 'spawn arguments'), this.port);
    const i32 = this.view.i32;
    Atomics.add(i32, CMD_SEQ, 1);
    Atomics.notify(i32, CMD_SEQ, 1);
  }

  post(msg: HubMessage): void {
    if (this.state !== 'dead') this.worker.postMessage(msg);
  }

  terminate(): void {
    if (this.state === 'dead') return;
    clearTimeout(this.idleTimer);
    void this.worker.terminate();
  }
}
