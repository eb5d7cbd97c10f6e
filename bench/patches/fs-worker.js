// A plain worker thread (no greenthread, Node's own fs): runs tasks of
// fs-calls.js as asked, one at a time, and posts each result. Kept for the
// whole run, so that it is as warm as a carrier.
import { parentPort } from 'node:worker_threads';
import * as calls from './fs-calls.js';

parentPort.on('message', ({ task, args }) => parentPort.postMessage(calls[task](...args)));
