/**
 * The fiber running in this isolate, if any, seen from inside: what
 * `Fiber.current`, `Fiber.yield()` and the park hook need.
 *
 * A carrier runs one green thread at a time, so at most one fiber body runs
 * in an isolate. The state lives in a global slot so that every copy of this
 * package loaded in the carrier (a user's `greenthread/fibers` next to the
 * shim's own entry) sees the same fiber.
 *
 * Runs on every thread; does something only in a carrier running a fiber.
 */
import { carrierBackend } from '../backend.js';
import { errorFromWire, type WireError } from '../errors.js';
import { fiberCodes, fibersError } from './errors.js';
import { pendingWork } from './pending.js';
import { loopTurner } from '../deasync.js';
import { holdsHandles, refuseBetweenCarriers, reviveIncoming } from './handles.js';
import {
  CMD_RESET,
  CMD_RUN,
  CMD_THROW,
  DONE,
  RUNNING,
  EV_EXIT,
  EV_PARKED,
  EV_RETURN,
  EV_THROW,
  EV_YIELD,
  kindOf,
  STATE,
  TO_FIBER,
  TO_RUNNER,
  waitAside,
  YIELDED,
  type FiberLink,
} from './wire.js';

export interface FiberSelf {
  link: FiberLink;
  /** The Fiber object `Fiber.current` returns here. */
  fiber: object;
  /** The runner is blocked in run()/throwInto()/reset() waiting for our next event. */
  runnerWaiting: boolean;
  /** Set by reset(): every later yield throws it again until the body has unwound. */
  zombie: Error | undefined;
  /** The TO_FIBER word last consumed. */
  seenCmd: number;
  /** The runner is the hub: hub objects in its values can be counted (./handles.ts). */
  runnerIsHub: boolean;
  /** The body read Fiber.current (the first step of node-fibers' resume-from-a-callback pattern). */
  currentTaken: boolean;
  /** Active resources of this thread's event loop when the body started. */
  baseline: number;
  warned: boolean;
  /** Suspended in Fiber.yield while this thread's event loop turns (see ownLoopYield). */
  yieldingLocally: boolean;
  /** What a callback on this loop resumed the fiber with: fiber.run(value) or throwInto(error). */
  localResume: { value: unknown } | { error: unknown } | undefined;
}

const SLOT = Symbol.for('greenthread.fibers.self');
type Slot = Record<symbol, FiberSelf | undefined>;

export function currentSelf(): FiberSelf | undefined {
  return (globalThis as Slot)[SLOT];
}

export function setSelf(self: FiberSelf | undefined): void {
  (globalThis as Slot)[SLOT] = self;
}

/**
 * The fiber is about to wait for something other than its runner (a hub
 * request, another fiber): its runner must not stay blocked on it, so it is
 * told to return. A no-op when nobody waits, so it is cheap on every park.
 */
export function releaseRunner(): void {
  const self = currentSelf();
  if (!self || !self.runnerWaiting) return;
  self.runnerWaiting = false;
  self.link.signal(TO_RUNNER, EV_PARKED);
}

/**
 * process.exit in this fiber, or in a fiber it waits for: its runner, if
 * blocked on it, learns that the process is ending and never returns.
 */
export function passExit(self: FiberSelf, code: number): void {
  if (!self.runnerWaiting) return;
  self.runnerWaiting = false;
  self.link.write(code);
  self.link.signal(TO_RUNNER, EV_EXIT);
}

/** Tells the runner how the body ended. `thrown` values are sent as wire errors. */
export function finish(self: FiberSelf, kind: typeof EV_RETURN | typeof EV_THROW, value: unknown): void {
  self.link.write(value);
  Atomics.store(self.link.i32, STATE, DONE);
  self.runnerWaiting = false;
  self.link.signal(TO_RUNNER, kind);
}

/** Fiber.yield inside a fiber: hands `value` to the runner, waits for the next command. */
export function yieldFrom(self: FiberSelf, value: unknown): unknown {
  if (self.zombie) throw self.zombie;
  if (self.currentTaken && !self.warned) warnOwnLoop(self);
  if (!self.runnerIsHub && holdsHandles(value)) throw refuseBetweenCarriers('the value of Fiber.yield()');
  const { link } = self;
  const i32 = link.i32;
  link.write(value);
  Atomics.store(i32, STATE, YIELDED);
  self.runnerWaiting = false;
  link.signal(TO_RUNNER, EV_YIELD);
  const b = carrierBackend();
  const local = ownLoopYield(self);
  if (local) {
    self.runnerWaiting = false;
    if ('error' in local) throw local.error;
    return local.value;
  }
  // Suspended, it waits for its runner only: as in node-fibers, that alone does not keep the process alive.
  b?.holdsProcess(false);
  for (let w = Atomics.load(i32, TO_FIBER); w === self.seenCmd; w = Atomics.load(i32, TO_FIBER)) {
    waitAside(i32, TO_FIBER, w);
  }
  b?.holdsProcess(true);
  self.seenCmd = Atomics.load(i32, TO_FIBER);
  self.runnerWaiting = true;
  const cmd = kindOf(self.seenCmd);
  const arg = link.read();
  if (cmd === CMD_RUN) return reviveIncoming(arg, self.runnerIsHub);
  if (cmd === CMD_THROW) throw errorFromWire(arg as WireError);
  if (cmd === CMD_RESET) {
    self.zombie = fibersError('This Fiber is a zombie', fiberCodes.zombie);
    throw self.zombie;
  }
  throw new Error(`fiber command ${cmd} is unknown; this is a bug in greenthread`);
}

/** How often the loop wakes to look for a runner's command while a fiber yields on it. */
const LOCAL_POLL_MS = 2;

/**
 * node-fibers' sleep, wait.for and synchronize: the fiber took
 * `Fiber.current`, started work on its own event loop whose callback
 * resumes it, and yields. With deasync, this loop turns while the fiber is
 * suspended, as node-fibers' single loop did, until that callback resumes it
 * (returns how) or its runner sends a command (returns undefined: the usual
 * path reads it). Without deasync, or with nothing pending here, undefined.
 */
function ownLoopYield(self: FiberSelf): { value: unknown } | { error: unknown } | undefined {
  if (!self.currentTaken) return undefined;
  const d = loopTurner();
  if (!d) return undefined;
  const i32 = self.link.i32;
  self.localResume = undefined;
  self.yieldingLocally = true;
  // Work queued with process.nextTick or on a promise shows in no list of pending work: it runs
  // first, and may resume the fiber at once (sync's own examples call back from a nextTick).
  try {
    (process as unknown as { _tickCallback?: () => void })._tickCallback?.();
  } catch (err) {
    self.yieldingLocally = false;
    throw err;
  }
  if (self.localResume === undefined && pendingWork() <= self.baseline) {
    self.yieldingLocally = false;
    return undefined;
  }
  // A runner's command is a write to shared memory, which does not wake the loop: a timer does.
  const poll = setInterval(() => {}, LOCAL_POLL_MS);
  const b = carrierBackend();
  b?.setWaiting(true);
  try {
    d.loopWhile(() => self.localResume === undefined && Atomics.load(i32, TO_FIBER) === self.seenCmd);
  } finally {
    clearInterval(poll);
    b?.setWaiting(false);
    self.yieldingLocally = false;
  }
  const resume = self.localResume;
  self.localResume = undefined;
  // The callback and a runner may both resume it: the first to take the fiber from YIELDED wins.
  if (!resume || Atomics.compareExchange(i32, STATE, YIELDED, RUNNING) !== YIELDED) return undefined;
  return resume;
}

/**
 * Turns this thread's event loop while `pending()` (a future that only a
 * callback here can resolve), the runner let go first as for any other
 * wait. False without deasync: nothing can turn it.
 */
export function turnOwnLoopWhile(pending: () => boolean): boolean {
  const d = loopTurner();
  if (!d) return false;
  releaseRunner();
  const b = carrierBackend();
  b?.setWaiting(true);
  try {
    d.loopWhile(pending);
  } finally {
    b?.setWaiting(false);
  }
  return true;
}

/**
 * A callback on the fiber's own loop calls fiber.run(value) (or throwInto)
 * while the fiber yields there: it resumes once the callback has returned.
 * False when the fiber is not yielding on its own loop.
 */
export function resumeLocally(fiber: object, resume: { value: unknown } | { error: unknown }): boolean {
  const self = currentSelf();
  if (!self || self.fiber !== fiber || !self.yieldingLocally || self.localResume) return false;
  self.localResume = resume;
  return true;
}

/**
 * node-fibers' sleep, and wait.for and synchronize, keep `Fiber.current`, start
 * an async call whose callback runs it, then yield. Here that callback is on
 * the fiber's own event loop, which does not turn while the fiber is
 * suspended: only a run() from the runner resumes it. Say so once, rather
 * than leave a fiber that waits forever without a word.
 */
function warnOwnLoop(self: FiberSelf): void {
  const pending = process.getActiveResourcesInfo();
  if (pendingWork() <= self.baseline || loopTurner()) return;
  self.warned = true;
  // Written at once: a warning event would wait for the loop that is about to stop.
  process.stderr.write(
    `(node:${process.pid}) [${fiberCodes.stuck}] Warning: a fiber yielded while work it started on its own event loop is pending (${[...new Set(pending)].join(', ')}). ` +
      'That loop does not run while the fiber is suspended, so a callback that would resume it with fiber.run() ' +
      '(node-fibers\' sleep, wait.for, synchronize) cannot fire: use Future.wrap (the call runs in the hub) or a blocking call (sleep, runInHub)\n',
  );
}
