/**
 * The hub's view of one carrier (a pooled worker thread) and the pool that
 * starts, reuses and ends them.
 *
 * Runs on the hub only.
 */
import { fileURLToPath } from 'node:url';
import { MessageChannel, SHARE_ENV, Worker, type MessagePort } from 'node:worker_threads';
import { ChannelView, serialize } from '../channel/channel.js';
import { CHANNEL_BYTES, CMD_LEN, CMD_SEQ } from '../channel/layout.js';
import type { CarrierData, CarrierMessage, HubMessage, RunCommand } from '../channel/messages.js';
import type { ResolvedOptions } from './config.js';
import type { HubRequest, ThreadRecord } from './types.js';

const CARRIER_ENTRY = fileURLToPath(new URL('../carrier/main.js', import.meta.url));

export type CarrierState = 'starting' | 'idle' | 'busy' | 'dead';

export class CarrierRef {
  state: CarrierState = 'starting';
  /** It said 'ready' (its bootstrap ran). */
  ready = false;
  thread: ThreadRecord | undefined;
  /** The request its green thread is parked on, if any. */
  pending: HubRequest | undefined;
  /** Seq of the last request accepted from this carrier. */
  lastSeq = 0;
  /** Shipped code keys this carrier has already materialized. */
  readonly known = new Set<string>();
  readonly view = new ChannelView(new SharedArrayBuffer(CHANNEL_BYTES));
  readonly port: MessagePort;
  readonly worker: Worker;
  idleTimer: NodeJS.Timeout | undefined;
  /** The carrier said it will exit on its own (its green thread left a mess). */
  retiring = false;
  /**
   * References to hub objects delivered to this carrier and not yet released
   * by it, by object id: released all at once if the carrier dies, since its
   * facades die with its isolate.
   */
  readonly held = new Map<number, number>();
  /** Why it died, when it did. */
  error: unknown;
  readonly startedAt = performance.now();

  constructor(
    readonly index: number,
    doorbell: SharedArrayBuffer,
    ringMask: number,
    opts: ResolvedOptions,
    argv: string[] | undefined,
    onMessage: (c: CarrierRef, m: CarrierMessage) => void,
    onExit: (c: CarrierRef) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    // Only read synchronously (receiveMessageOnPort); it must not hold the loop open.
    port1.unref();
    const data: CarrierData = {
      index,
      channel: this.view.sab,
      doorbell,
      ringMask,
      port: port2,
      argv,
      exitForwarding: opts.exitForwarding,
    };
    this.worker = new Worker(CARRIER_ENTRY, {
      workerData: data,
      transferList: [port2],
      // Green threads are one process: they share one environment, as threads do.
      env: SHARE_ENV,
      resourceLimits: opts.resourceLimits,
      name: `greenthread-carrier-${index}`,
    });
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
  }

  /** Starts a green thread on this idle carrier: one write and one notify. */
  run(cmd: RunCommand): void {
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
