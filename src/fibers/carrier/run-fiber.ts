/**
 * A fiber host: the green thread that runs fiber bodies, one after another,
 * and reports to their runners through its shared buffer (see ../wire.ts).
 * Spawned as a module (`spawn(new URL(...))`) by a runner that found no idle
 * host, with the first body to run; afterwards runners start bodies on it
 * directly (CMD_START), without the hub. It leaves HOST_IDLE_MS after its
 * body ended if no runner took it: long enough for a runner that starts
 * fibers one after another (on the hub, a carrier given back is seen only
 * when the event loop turns, so a loop of run() calls would otherwise start a
 * carrier per fiber), short enough that the carrier goes back to the pool,
 * for any green thread, about at once, and never keeps a finished program
 * alive.
 *
 * Between bodies it waits with Atomics.waitAsync, not Atomics.wait: its
 * event loop goes on, so callbacks a finished body left behind (a child
 * process's exit, a timer) still run.
 *
 * Runs on a carrier only.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { inspect } from 'node:util';
import { materialize, reviveShipped } from '../../shipping/materialize.js';
import { pendingWork } from '../pending.js';
import { carrierBackend } from '../../backend.js';
import { CarrierDiedError, errorToWire, GreenCloneError } from '../../errors.js';
import { serialize } from '../../channel/channel.js';
import { setBeforePark } from '../../carrier/channel.js';
import { writeDirectlyWhile } from '../../carrier/stdio.js';
import { endSelf, selfFiber } from '../fiber.js';
import { currentSelf, finish, passExit, releaseRunner, setSelf, type FiberSelf } from '../self.js';
import { CMD_START, DONE, EV_RETURN, EV_THROW, EXITED, FiberLink, kindOf, RUNNING, STATE, TO_FIBER, TO_RUNNER } from '../wire.js';
import { enableFunctionPrototype } from '../future.js';
import { holdsHandles, refuseBetweenCarriers, reviveIncoming } from '../handles.js';
import { FiberError } from '../errors.js';
import type { FiberJob } from '../fiber.js';

/**
 * How long a host with nothing to run stays. A runner on a carrier gets a
 * carrier given back at once from the hub (whose event loop is free), so
 * its host leaves soon; the hub, as a runner, often starts fibers in a loop
 * that never lets its event loop turn, and a carrier given back is seen
 * only when it does: there a new host would mean a new carrier.
 */
const HOST_IDLE_MS = { hubRunner: 1000, carrierRunner: 20 };
/** How often an idle host looks whether callbacks its last body left are still pending. */
const IDLE_LOOK_MS = 20;

export default async function host(start: { channel: string; job: FiberJob }): Promise<void> {
  const link = FiberLink.create(start.channel);
  // A carrier that exits under a fiber (an uncaught error left by an earlier
  // body retires it) must not leave a runner waiting on a fiber that is gone.
  const onExit = () => {
    if (Atomics.exchange(link.i32, STATE, EXITED) !== RUNNING) return;
    link.write(errorToWire(new CarrierDiedError('the carrier running this fiber exited under it')));
    link.signal(TO_RUNNER, EV_THROW);
  };
  process.on('exit', onExit);
  let next: { job: FiberJob; word: number } | undefined = { job: start.job, word: 0 };
  const backend = carrierBackend();
  const baseline = pendingWork();
  while (next) {
    const seen = await runBody(link, next.job, next.word);
    const linger = next.job.runnerIsHub ? HOST_IDLE_MS.hubRunner : HOST_IDLE_MS.carrierRunner;
    // Between bodies the host holds no core (see WAITING in channel/layout.ts).
    backend?.setWaiting(true);
    try {
      next = await nextJob(link, seen, linger, baseline);
    } finally {
      backend?.setWaiting(false);
      backend?.holdsProcess(true);
    }
  }
  process.off('exit', onExit);
  link.close();
}

/**
 * The next body to run and the command word that brought it; undefined when
 * the host leaves, `linger` ms after the last body. Meanwhile an idle host
 * holds the process only while callbacks the last body left (a child's
 * exit, a timer) are pending on this loop: they run here.
 */
async function nextJob(link: FiberLink, seen: number, linger: number, baseline: number): Promise<{ job: FiberJob; word: number } | undefined> {
  const i32 = link.i32;
  const backend = carrierBackend();
  const until = performance.now() + linger;
  let holding = true;
  for (;;) {
    const w = Atomics.load(i32, TO_FIBER);
    if (w !== seen) {
      if (kindOf(w) !== CMD_START) throw new Error(`fiber host got command ${kindOf(w)} while idle; this is a bug in greenthread`);
      return { job: link.read() as FiberJob, word: w };
    }
    const quiet = pendingWork() <= baseline;
    if (quiet === holding) backend?.holdsProcess((holding = !quiet));
    const left = until - performance.now();
    // Leave only if no runner took this host meanwhile (it flips DONE to RUNNING first).
    if (left <= 0 && Atomics.compareExchange(i32, STATE, DONE, EXITED) === DONE) return undefined;
    const r = Atomics.waitAsync(i32, TO_FIBER, w, Math.max(1, Math.min(left, IDLE_LOOK_MS)));
    if (r.async) await r.value;
  }
}

/** Runs one body to its end; returns the last command word it consumed. */
async function runBody(link: FiberLink, job: FiberJob, seenCmd: number): Promise<number> {
  let fn: Function;
  const self: FiberSelf = {
    link,
    fiber: selfFiber(),
    runnerWaiting: true,
    zombie: undefined,
    seenCmd,
    runnerIsHub: job.runnerIsHub,
    currentTaken: false,
    baseline: 0,
    warned: false,
    yieldingLocally: false,
    localResume: undefined,
  };
  try {
    fn = await materialize(job.shipped);
    if (job.captured) {
      // The body takes its captured values first (shipping/materialize.ts); functions among them are rebuilt here.
      const captured = await reviveShipped(reviveIncoming(job.captured, job.runnerIsHub) as unknown[]);
      const body = fn;
      fn = function (this: unknown, ...args: unknown[]) {
        return body.call(this, captured, ...args);
      };
    }
  } catch (err) {
    finish(self, EV_THROW, errorToWire(err));
    return self.seenCmd;
  }
  // The body runs from a macrotask, not from this function's continuation (a
  // microtask): while it waits on its own loop, promise reactions can then run.
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(callBody(self, fn, job));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Calls the fiber's body and hands its end to the runner; returns the last command word it consumed. */
function callBody(self: FiberSelf, fn: Function, job: FiberJob): number {
  if (job.futureProto) enableFunctionPrototype();
  setSelf(self);
  setBeforePark(releaseRunner);
  if (job.runnerIsHub) writeDirectlyWhile(() => self.runnerWaiting);
  // process.exit() ends the process: the runner must not go on as if the
  // fiber had parked (node-fibers' run() never returned). This carrier hands
  // the exit to the hub after its output (src/carrier/main.ts).
  const exit = process.exit;
  process.exit = ((code?: number | string | null) => {
    passExit(self, Number(code ?? process.exitCode ?? 0) | 0);
    return exit(code);
  }) as typeof process.exit;
  self.baseline = pendingWork();
  const lendRequire = evalCode(job) && !('require' in globalThis);
  if (lendRequire) (globalThis as { require?: NodeJS.Require }).require = createRequire(path.join(process.cwd(), '[eval]'));
  let kind: typeof EV_RETURN | typeof EV_THROW = EV_RETURN;
  let value: unknown;
  let thrown: unknown;
  try {
    const arg = reviveIncoming(job.value, job.runnerIsHub);
    value = job.spread ? fn(...(arg as unknown[])) : job.hasValue ? fn.call(undefined, arg) : fn.call(undefined);
    try {
      serialize(value, "the fiber's return value");
      if (!job.runnerIsHub && holdsHandles(value)) throw refuseBetweenCarriers("the fiber's return value");
    } catch (err) {
      kind = EV_THROW;
      value = errorToWire(err instanceof GreenCloneError || err instanceof FiberError ? err : new GreenCloneError(String(err)));
    }
  } catch (err) {
    // Unwound by reset(): a normal end, with nothing to return.
    if (err === self.zombie) value = undefined;
    else {
      kind = EV_THROW;
      thrown = err;
      value = errorToWire(err);
    }
  } finally {
    process.exit = exit;
    setBeforePark(undefined);
    writeDirectlyWhile(undefined);
    if (lendRequire) delete (globalThis as { require?: unknown }).require;
    if (currentSelf() === self) setSelf(undefined);
    endSelf(self.fiber);
  }
  // Nobody waits in run() (the fiber waited on I/O since), and no future
  // will read it (a task's): the error is uncaught, as node-fibers threw it
  // out of the callback that resumed the fiber.
  const uncaught = kind === EV_THROW && thrown !== undefined && !self.runnerWaiting && !job.spread;
  finish(self, kind, value);
  if (uncaught) dieOf(thrown, job);
  return self.seenCmd;
}

/**
 * A function from `node -e`, `-p`, piped input or the REPL: code there
 * calls `require` as a global, and a fiber body from it may use globals
 * only, so it gets one too, resolving from the working directory as there.
 * Only for its body: elsewhere a global `require` would fool code that
 * tests for CommonJS.
 */
function evalCode(job: FiberJob): boolean {
  return job.shipped.kind === 'function' && job.shipped.moduleUrl === null;
}

/**
 * An uncaught error ends the process with status 1, as it ends node: it is
 * printed, then the exit goes to the hub after this carrier's output.
 */
function dieOf(err: unknown, job: FiberJob): void {
  const name = job.shipped.kind === 'function' ? job.shipped.name || 'anonymous' : 'module';
  process.stderr.write(`Uncaught error in fiber \`${name}\`, thrown after it had waited (nobody was blocked in its run()):\n${inspect(err)}\n`);
  process.exit(1);
}
