/**
 * Output of green threads goes to the hub as ordered messages on parentPort,
 * the same port that carries "this green thread ended" and "process.exit":
 * so a green thread's output is written before its end is reported and before
 * the process exits, and never reordered. The hub writes it to its own
 * stdout/stderr, which are synchronous for files, pipes and TTYs on POSIX.
 *
 * Runs on a carrier only.
 */
import { parentPort } from 'node:worker_threads';
import type { CarrierMessage } from '../channel/messages.js';

type WriteCallback = (err?: Error | null) => void;

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
    parentPort!.postMessage({ t: 'out', fd, data } satisfies CarrierMessage);
    if (cb) process.nextTick(cb);
    return true;
  };
}

export function installStdio(): void {
  (process.stdout as { write: unknown }).write = relay(1);
  (process.stderr as { write: unknown }).write = relay(2);
}
