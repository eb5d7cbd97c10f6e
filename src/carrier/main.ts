/**
 * Entry of a carrier: a pooled worker thread that runs one green thread at a
 * time. Between green threads it idles on Atomics.wait for the hub's next
 * command, so a warm carrier starts a green thread without an event-loop
 * wake-up or a message.
 *
 * A green thread ends when its function has returned (or its promise
 * settled) and its event loop holds nothing it started: the same rule that
 * ends a Node process. Nothing it leaves behind reaches the next green
 * thread: a carrier whose green thread left an uncaught error is retired.
 *
 * Runs on a carrier only.
 */
import Module from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { installCarrierBackend } from '../backend.js';
import { deserialize, mayHoldHandles, serialize } from '../channel/channel.js';
import { collect, revive } from '../sync/handles.js';
import '../sync/kinds.js';
import { CMD_LEN, CMD_SEQ, RETURNED, THREAD_ID } from '../channel/layout.js';
import type { CarrierData, CarrierMessage, HubMessage, MainEntry, Outcome, RunCommand } from '../channel/messages.js';
import { errorToWire, GreenThreadExit } from '../errors.js';
import { materialize, materializeCached, mayHoldShipped, reviveShipped } from '../shipping/materialize.js';
import type { Shipped } from '../shipping/types.js';
import { carrier, mayRelease, notifyEnded } from './backend.js';
import { armedTimeouts, channel, clearBeforePark, port, runBeforePark } from './channel.js';
import { httpLoop } from './http-loop.js';
import { installStdio } from './stdio.js';
import { applyPatches } from '../patches/monkey-patch.js';
import { cwdState } from '../patches/cwd.js';
import { announceCwd } from '../patches/process.js';

const data = workerData as CarrierData;
const post = (msg: CarrierMessage) => parentPort!.postMessage(msg);

installStdio();
installCarrierBackend(carrier);
if (data.patches) applyPatches(data.patches);
if (data.argv) process.argv = data.argv.slice();

const realExit = process.exit.bind(process);
if (data.exitForwarding) {
  // process.exit in any green thread exits the whole process: the hub does it,
  // after writing every byte this carrier sent before.
  process.exit = ((code?: number | string | null) => {
    const n = Number(code ?? process.exitCode ?? 0) | 0;
    post({ t: 'exit', code: n });
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    throw new Error('unreachable');
  }) as typeof process.exit;
}

const TS_ENTRY = /\.[cm]?tsx?$/;
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

interface Running {
  id: number;
  outcome: Outcome | undefined;
  retire: boolean;
}
let running: Running | undefined;

process.on('uncaughtException', (err) => {
  if (!running) {
    process.stderr.write(`greenthread: uncaught error in an idle carrier: ${(err as Error)?.stack ?? err}\n`);
    return;
  }
  running.retire = true;
  // Its function may have returned already, but it has not ended while its
  // loop still ran its callbacks: an uncaught error there is its failure.
  running.outcome = undefined;
  settle(running, err, true);
  // The error may have left timers or sockets behind: end now, do not wait for them.
  finish(running);
});

parentPort!.on('message', (msg: HubMessage) => {
  if (msg.t === 'ended') notifyEnded(msg.id, msg.outcome);
  else if (msg.t === 'kill-draining' && running?.id === msg.id) {
    running.outcome = { ok: false, killed: true, error: errorToWire(new GreenThreadExit()) };
    running.retire = true;
    finish(running);
  }
});

/** Resources the carrier itself holds while idle; anything beyond belongs to a green thread. */
let baseline: Map<string, number> | undefined;

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo()) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

function loopIsEmpty(): boolean {
  if (carrier.pendingNotifications() > 0) return false;
  const now = resourceCounts();
  for (const [name, n] of now) if (n > (baseline!.get(name) ?? 0)) return false;
  return true;
}

/**
 * How often an idle carrier that still holds handles of hub objects turns its
 * event loop, so that collected handles are reported and their objects freed.
 */
const IDLE_FLUSH_MS = 2000;

function idle(): void {
  baseline ??= resourceCounts();
  const i32 = channel.i32;
  let cmdSeq: number;
  while ((cmdSeq = Atomics.load(i32, CMD_SEQ)) === lastCmd) {
    if (Atomics.wait(i32, CMD_SEQ, cmdSeq, mayRelease() ? IDLE_FLUSH_MS : undefined) === 'timed-out') {
      setImmediate(idle);
      return;
    }
  }
  lastCmd = cmdSeq;
  const cmd = deserialize(channel.readBytes(CMD_LEN, port)) as RunCommand;
  start(cmd);
}
let lastCmd = 0;
/** The working directory the last green thread on this carrier ended in (see announceCwd). */
let lastDir: string | undefined;

function start(cmd: RunCommand): void {
  if (cmd.patches) applyPatches(cmd.patches);
  const r: Running = { id: cmd.id, outcome: undefined, retire: false };
  running = r;
  carrier.current = cmd.id;
  cwdState.dir = cmd.cwd;
  // A library that cached the previous green thread's directory hears of this one's.
  if (cmd.cwd !== lastDir) announceCwd(cmd.cwd);
  channel.i32[THREAD_ID] = cmd.id;
  // What a green thread left to flush never reaches the next one.
  clearBeforePark();
  // A serveHttp handler runs inside the request loop; its arguments are [captured values,] server id.
  const loop =
    cmd.loop === 'http'
      ? (handler: Function) =>
          (...a: unknown[]) =>
            a.length > 1 ? httpLoop((...x: unknown[]) => handler(a[0], ...x), a[1] as number) : httpLoop(handler, a[0] as number)
      : (f: Function) => f;
  const fn = materializeCached(cmd.key);
  if (fn) {
    invoke(r, loop(fn), cmd.args);
    return;
  }
  const shipped = cmd.shipped;
  if (!shipped) {
    settle(r, new Error(`carrier has no code for ${cmd.key}; this is a bug in greenthread`), true);
    afterReturn(r);
    return;
  }
  if (shipped.kind === 'main') {
    runMain(r, shipped);
    return;
  }
  materialize(shipped as Shipped).then(
    (f) => invoke(r, loop(f), cmd.args),
    (err) => {
      settle(r, err, true);
      afterReturn(r);
    },
  );
}

function invoke(r: Running, fn: Function, argBytes: Uint8Array): void {
  let args: unknown[];
  try {
    args = deserialize(argBytes) as unknown[];
    if (mayHoldHandles(argBytes)) revive(args);
  } catch (err) {
    settle(r, err, true);
    afterReturn(r);
    return;
  }
  // Functions among the values are rebuilt first (their imports load asynchronously).
  if (mayHoldShipped(argBytes)) {
    reviveShipped(args).then(
      () => call(r, fn, args),
      (err) => {
        settle(r, err, true);
        afterReturn(r);
      },
    );
    return;
  }
  call(r, fn, args);
}

function call(r: Running, fn: Function, args: unknown[]): void {
  let value: unknown;
  try {
    value = fn(...args);
  } catch (err) {
    settle(r, err, true);
    afterReturn(r);
    return;
  }
  if (value !== null && typeof (value as PromiseLike<unknown>)?.then === 'function') {
    (value as PromiseLike<unknown>).then(
      (v) => {
        settle(r, v, false);
        afterReturn(r);
      },
      (err) => {
        settle(r, err, true);
        afterReturn(r);
      },
    );
    return;
  }
  settle(r, value, false);
  afterReturn(r);
}

function runMain(r: Running, entry: MainEntry): void {
  process.argv[1] = entry.path;
  let ret: unknown;
  const M = Module as unknown as { runMain(p: string): unknown; _load(p: string, parent: null, isMain: boolean): unknown };
  try {
    // runMain gives the entry what `node app.js` gives it: require.main for
    // CommonJS, the ESM loader (and any --import hooks) for modules. Node 20
    // does not run module hooks in worker threads, so a TypeScript entry goes
    // through the CommonJS loader there, where a loader's require hook (tsx) works.
    if (TS_ENTRY.test(entry.path) && NODE_MAJOR < 22) ret = M._load(entry.path, null, true);
    else ret = M.runMain(entry.path);
  } catch (err) {
    settle(r, err, true);
    afterReturn(r);
    return;
  }
  const done = () => {
    settle(r, undefined, false);
    afterReturn(r);
  };
  if (ret && typeof (ret as Promise<unknown>).then === 'function') {
    (ret as Promise<unknown>).then(done, (err) => {
      settle(r, err, true);
      afterReturn(r);
    });
  } else done();
}

/** Records how the green thread's function ended (first outcome wins). */
function settle(r: Running, valueOrError: unknown, failed: boolean): void {
  if (r.outcome) return;
  if (!failed) {
    try {
      const value = valueOrError === undefined ? undefined : serialize(valueOrError, 'the green thread\'s return value');
      const handles = value && mayHoldHandles(value) ? collect(valueOrError) : undefined;
      r.outcome = handles?.length ? { ok: true, value, handles } : { ok: true, value };
      return;
    } catch (err) {
      valueOrError = err;
    }
  }
  r.outcome = { ok: false, killed: valueOrError instanceof GreenThreadExit, error: errorToWire(valueOrError) };
}

/** The function has returned; the green thread ends once its loop is empty. */
function afterReturn(r: Running): void {
  if (running === r) channel.i32[RETURNED] = r.id;
  let delay = 0;
  const check = () => {
    if (running !== r) return;
    if (loopIsEmpty()) return finish(r);
    delay = Math.min(delay * 2 || 1, 50);
    // Unref'd, so the poll itself is not counted as the green thread's work.
    setTimeout(check, delay).unref();
  };
  setImmediate(check);
}

function finish(r: Running): void {
  if (running !== r) return;
  if (!r.retire) {
    try {
      // Bytes its sockets still hold for the hub (a last sendall) go out before it ends.
      runBeforePark();
    } catch {
      // The peer is gone; the green thread has ended and nobody can be told.
    }
  }
  running = undefined;
  carrier.current = undefined;
  lastDir = cwdState.dir;
  cwdState.dir = undefined;
  armedTimeouts.clear();
  channel.i32[THREAD_ID] = 0;
  channel.i32[RETURNED] = 0;
  const exitCode = process.exitCode === undefined ? undefined : Number(process.exitCode);
  process.exitCode = undefined;
  post({ t: 'end', id: r.id, outcome: r.outcome!, exitCode, retire: r.retire });
  if (r.retire) {
    realExit(0);
    return;
  }
  setImmediate(idle);
}

post({ t: 'ready' });
setImmediate(idle);
