/**
 * Output of green threads goes to the hub as ordered messages on parentPort,
 * the same port that carries "this green thread ended" and "process.exit":
 * so a green thread's output is written before its end is reported and before
 * the process exits, and never reordered. The hub writes it to its own
 * stdout/stderr, which are synchronous for files, pipes and TTYs on POSIX.
 *
 * One exception: while a fiber runs for a runner on the hub that is blocked
 * in run(), the hub writes nothing and could relay nothing until run()
 * returns, so the fiber writes to the process's descriptor itself. Its output
 * then comes where node-fibers put it, between what the hub wrote before
 * run() and after, and is not lost if the fiber ends the process.
 *
 * Runs on a carrier only.
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { CarrierMessage } from '../channel/messages.js';

type WriteCallback = (err?: Error | null) => void;

let direct: (() => boolean) | undefined;

/** While `when()` is true, output goes to the process's descriptors at once (see above). */
export function writeDirectlyWhile(when: (() => boolean) | undefined): void {
  direct = when;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd: number, data: string | Uint8Array): void {
  let bytes = typeof data === 'string' ? Buffer.from(data) : data;
  while (bytes.byteLength > 0) {
    try {
      bytes = bytes.subarray(fs.writeSync(fd, bytes));
    } catch (err) {
      // A non-blocking pipe that is full: wait for the reader.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

function relay(fd: 1 | 2) {
  return function write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback): boolean {
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    let data: string | Uint8Array;
    if (typeof chunk === 'string') {
      data = encoding && encoding !== 'utf8' && encoding !== 'utf-8' ? Buffer.from(chunk, encoding) : chunk;
    } else if (chunk instanceof Uint8Array) {
      data = chunk;
    } else {
      data = String(chunk);
    }
    if (direct?.()) writeAll(fd, data);
    else parentPort!.postMessage({ t: 'out', fd, data } satisfies CarrierMessage);
    if (cb) process.nextTick(cb);
    return true;
  };
}

export function installStdio(): void {
  (process.stdout as { write: unknown }).write = relay(1);
  (process.stderr as { write: unknown }).write = relay(2);
}
