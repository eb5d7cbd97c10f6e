/**
 * The hub's view of one carrier (a pooled worker thread) and the pool that
 * starts, reuses and ends them.
 *
 * Runs on the hub only.
 */
import type { EventLoopUtilization } from 'node:perf_hooks';
import { MessageChannel, SHARE_ENV, Worker, type MessagePort } from 'node:worker_threads';
import { ChannelView, serialize } from '../channel/channel.js';
import { CHANNEL_BYTES, CMD_LEN, CMD_SEQ, WAITING } from '../channel/layout.js';
import type { CarrierData, CarrierMessage, HubMessage, RunCommand } from '../channel/messages.js';
import type { ResolvedOptions } from './config.js';
import type { PatchOptions } from '../patches/monkey-patch.js';
import type { HubRequest, ThreadRecord } from './types.js';
import { ownPath } from '../own-files.js';

const CARRIER_ENTRY = ownPath('carrier/entry.js');

/** Flags about the main entry itself, which a worker started from a file refuses or must not get. */
const ENTRY_FLAGS = new Set(['--input-type', '-e', '--eval', '-p', '--print', '-i', '--interactive', '-c', '--check', '--test', '--watch', '--watch-path']);
const WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '--input-type', '--watch-path']);

/** The process's Node flags (loaders such as --import tsx included) minus those about the main entry. */
export function carrierExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const name = arg.split('=')[0]!;
    if (!ENTRY_FLAGS.has(name) && !name.startsWith('--test-')) out.push(arg);
    else if (!arg.includes('=') && WITH_VALUE.has(name)) i++; // its value too
  }
  return out;
}
/**
 * What carriers get as execArgv: undefined (inherit, as Node does by default)
 * unless some flag had to go. Passing a list makes Node validate it, and it
 * refuses V8 and per-process flags (--expose-gc) that inheriting keeps: those
 * are dropped from the list, as Node's own error names them.
 */
let execArgvForCarriers: string[] | undefined = (() => {
  const filtered = carrierExecArgv();
  return filtered.length === process.execArgv.length ? undefined : filtered;
})();

function newWorker(options: ConstructorParameters<typeof Worker>[1]): Worker {
  try {
    return new Worker(CARRIER_ENTRY, { ...options, execArgv: execArgvForCarriers });
  } catch (err) {
    const m = /invalid execArgv flags: (.*)$/.exec((err as Error).message);
    if ((err as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || !m || !execArgvForCarriers) throw err;
    const refused = new Set(m[1]!.split(/,\s*/));
    execArgvForCarriers = execArgvForCarriers.filter((a) => !refused.has(a.split('=')[0]!) && !refused.has(a));
    return new Worker(CARRIER_ENTRY, { ...options, execArgv: execArgvForCarriers });
  }
}

/** The shortest interval over which a carrier's event-loop use is judged. */
const MIN_ELU_SAMPLE_MS = 5;

export type CarrierState = 'starting' | 'idle' | 'busy' | 'dead';

export class CarrierRef {
  state: CarrierState = 'starting';
  /** The hub's patchVersion this carrier has applied. */
  patchVersion = 0;
  /** It said 'ready' (its bootstrap ran). */
  ready = false;
  thread: ThreadRecord | undefined;
  /** The request its green thread is parked on, if any. */
  pending: HubRequest | undefined;
  /** Seq of the last request accepted from this carrier. */
  lastSeq = 0;
  /** A posted seq the hub's sweep saw without its doorbell bit (see Hub's sweep). */
  unrungSeq: number | undefined;
  /** Shipped code keys this carrier has already materialized. */
  readonly known = new Set<string>();
  readonly view = new ChannelView(new SharedArrayBuffer(CHANNEL_BYTES));
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
  readonly startedAt = performance.now();

  constructor(
    readonly index: number,
    doorbell: SharedArrayBuffer,
    opts: ResolvedOptions,
    argv: string[] | undefined,
    patches: PatchOptions | undefined,
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
      port: port2,
      argv,
      exitForwarding: opts.exitForwarding,
      patches,
    };
    this.worker = newWorker({
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
