/**
 * Starting a carrier's worker thread: its entry file, its Node flags, and
 * what it is given (its channel, the doorbell, its port). Apart from the pool
 * (carriers.ts) and importing nothing heavy, so that `greenthread run` can
 * start the application's carrier before the rest of greenthread has loaded
 * (early-carrier.ts).
 *
 * Runs on the hub only.
 */
import { MessageChannel, SHARE_ENV, Worker, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { CHANNEL_BYTES } from '../channel/layout.js';
import type { CarrierData } from '../channel/messages.js';
import type { PatchOptions } from '../patches/options.js';
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

/** A started carrier worker, with the hub's ends of its channel and port. */
export interface CarrierWorker {
  worker: Worker;
  channel: SharedArrayBuffer;
  port: MessagePort;
  /** performance.now() when it was started. */
  startedAt: number;
}

export interface CarrierWorkerOptions {
  argv: string[] | undefined;
  exitForwarding: boolean;
  patches: PatchOptions | undefined;
  resourceLimits: ResourceLimits | undefined;
}

/** Starts carrier `index`'s worker; it says 'ready' on its 'message' event once its bootstrap ran. */
export function startCarrierWorker(index: number, doorbell: SharedArrayBuffer, opts: CarrierWorkerOptions): CarrierWorker {
  const channel = new SharedArrayBuffer(CHANNEL_BYTES);
  const { port1, port2 } = new MessageChannel();
  // Only read synchronously (receiveMessageOnPort); it must not hold the loop open.
  port1.unref();
  const data: CarrierData = { index, channel, doorbell, port: port2, argv: opts.argv, exitForwarding: opts.exitForwarding, patches: opts.patches };
  const startedAt = performance.now();
  const worker = newWorker({
    workerData: data,
    transferList: [port2],
    // Green threads are one process: they share one environment, as threads do.
    env: SHARE_ENV,
    resourceLimits: opts.resourceLimits,
    name: `greenthread-carrier-${index}`,
  });
  return { worker, channel, port: port1, startedAt };
}
