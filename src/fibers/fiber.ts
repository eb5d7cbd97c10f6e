/**
 * `Fiber`, node-fibers' API on green threads.
 *
 * A fiber's function is shipped like spawn's and runs on a host: a green
 * thread (so, its own carrier) that runs fiber bodies one after another
 * (./carrier/run-fiber.ts), as node-fibers' pool reused coroutines.
 * node-fibers switched stacks inside one thread; here the fiber's stack stays
 * on its carrier and control moves between two threads:
 *
 * - `run()` blocks the calling thread with Atomics.wait on the host's shared
 *   buffer (./wire.ts) until the fiber yields, returns or throws, and
 *   hands back what it did: the same control flow as a stack switch. It does
 *   not go through the hub: on the main thread, run() blocks the hub's event
 *   loop, which could not serve a request while it waits.
 * - A fiber that waits on anything else (a hub request: sleep, a patched
 *   execSync, a Future of a wrapped call, a carrier for a nested fiber) first
 *   tells its runner so (src/carrier/channel.ts calls ./self.ts before every
 *   park): run() returns undefined, as node-fibers' run() returned when the
 *   fiber yielded to the event loop, and the hub's reply resumes the fiber
 *   later without anyone calling run(). This is what keeps the main thread
 *   from deadlocking: it only ever waits for a fiber that is computing.
 * - A fiber starts on an idle host of this thread with one hand-off, without
 *   the hub. With none idle it needs a new host, so a carrier: on the hub,
 *   with no carrier idle either, the host is given a carrier that is still
 *   starting, whose bootstrap reads the command from its channel without the
 *   hub's event loop, so run() waits for it and returns what the fiber did,
 *   as node-fibers' run() did (`Fiber.poolSize` keeps carriers warm, which
 *   only saves that start).
 * - Nested fibers work the same way between two carriers.
 *
 * What cannot carry over: a fiber does not share memory with the code that
 * created it (values cross by structured clone), and a fiber's own event loop
 * does not run while the fiber is suspended (so a callback on it cannot
 * resume it; see the README's section on moving off node-fibers).
 *
 * Runs on every thread.
 */
import { threadId } from 'node:worker_threads';
import { carrierBackend } from '../backend.js';
import { CarrierDiedError, errorFromWire, errorToWire, GreenArgumentError, GreenClosureError, GreenShipError, type WireError } from '../errors.js';
import { capturedValues, GreenThread, shipFunction, spawnWith } from '../green-thread.js';
import { getHub } from '../hub-access.js';
import type { Shipped } from '../shipping/types.js';
import { FiberError, fiberCodes, fibersError } from './errors.js';
import { currentSelf, passExit, releaseRunner, resumeLocally, yieldFrom } from './self.js';
import { creditOutgoing, holdsHandles, refuseBetweenCarriers, reviveIncoming } from './handles.js';
import { ownFile } from '../own-files.js';
import { runInHub } from '../sync/run-in-hub.js';
import setPoolSize from './hub-pool.js';
import { waitingByDesign } from '../waits-by-design.js';
import {
  CMD_RESET,
  CMD_RUN,
  CMD_START,
  CMD_THROW,
  DONE,
  EV_EXIT,
  EV_PARKED,
  EV_RETURN,
  EV_THROW,
  EV_YIELD,
  EXITED,
  kindOf,
  openChannel,
  receiveLink,
  RUNNING,
  STATE,
  TO_FIBER,
  TO_RUNNER,
  waitAside,
  YIELDED,
  type FiberLink,
  type Mailbox,
} from './wire.js';

const ENTRY = ownFile('fibers/carrier/run-fiber.js');
/** How long run() waits for a started fiber's carrier to answer before giving up. */
const START_TIMEOUT_MS = 60_000;
/** After this long blocked in run(), one line on stderr says which fiber holds the thread. */
const REPORT_MS = 10_000;

/** What a host needs to run one fiber body. */
export interface FiberJob {
  shipped: Shipped;
  /** The values the body captures, read when the fiber starts (shipping/capture.ts); the body takes them first. */
  captured?: unknown[];
  /** `run()` had an argument (the body is called with it, else with none). */
  hasValue: boolean;
  value: unknown;
  /** `value` is an array of arguments to spread (a task of fn.future()). */
  spread: boolean;
  /** Function.prototype.future was enabled where the fiber was created. */
  futureProto: boolean;
  /** The runner is the hub (hub objects in values are counted, see ./handles.ts). */
  runnerIsHub: boolean;
}

/** A green thread that runs fiber bodies (./carrier/run-fiber.ts), and our end of its link. */
interface Host {
  channel: Mailbox;
  link: FiberLink | undefined;
  thread: GreenThread<unknown>;
  /** The run of a fiber it holds or held last. */
  gen: Generation | undefined;
}

/** One run of a fiber's body, on a host. */
interface Generation {
  host: Host;
  /** The fiber function's name, for reports. */
  name: string;
  /** The TO_RUNNER word last seen. */
  seen: number;
  /** How the body ended, once known here. */
  outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
}

/** Hosts this thread started: a fiber starts on one whose last body is DONE. */
const hosts: Host[] = [];

let created = 0;
/** Fiber.poolSize as last set from this carrier (the hub's own is its minCarriers). */
let poolSizeHere: number | undefined;
const HUB_POOL = ownFile('fibers/hub-pool.js');
// Names of the fibers' BroadcastChannels: unique in the process by thread and
// count (node:crypto's randomUUID would cost a carrier about 10 ms to load).
let channelSeq = 0;
const spin = new Int32Array(new SharedArrayBuffer(4));
const NOT_SELF = Symbol('runner');
let futureProto = () => false;
/** @internal Lets future.ts say whether Function.prototype.future is on, without a cycle. */
export function setFutureProtoProbe(probe: () => boolean): void {
  futureProto = probe;
}

// A suspended fiber nobody can resume any more is unwound, as node-fibers
// does: its carrier is freed and its finally blocks run.
const orphans = new FinalizationRegistry<Generation>((gen) => {
  const link = gen.host.link;
  if (gen.outcome || !link || gen.host.gen !== gen) return;
  if (Atomics.compareExchange(link.i32, STATE, YIELDED, RUNNING) === YIELDED) {
    link.write(undefined);
    link.signal(TO_FIBER, CMD_RESET);
  }
});

/** spawn's shipping errors, with advice that fits a fiber. */
function forFiber(err: unknown): unknown {
  if (!(err instanceof GreenClosureError) && !(err instanceof GreenShipError)) return err;
  const e = err as Error;
  const before = e.message;
  e.message = before
    .replace(/^spawned function/, 'fiber function')
    .replace(/pass it to spawn as an argument \(spawn\(fn, ([^)]*)\)\)/, "pass it in, fiber.run($1), and use the function's argument");
  if (e.stack?.includes(before)) e.stack = e.stack.replace(before, e.message);
  return e;
}

/** Whether a run has ended; reads its outcome the first time that is seen. */
function ended(gen: Generation): boolean {
  if (gen.outcome) return true;
  const host = gen.host;
  if (host.gen !== gen) return true; // its host went on to another body after reading it
  const link = host.link ?? receiveHostLink(host);
  if (!link || Atomics.load(link.i32, STATE) < DONE) return false;
  // Ended while nobody waited: its last word tells how.
  const w = Atomics.load(link.i32, TO_RUNNER);
  gen.seen = w;
  if (kindOf(w) === EV_RETURN || kindOf(w) === EV_THROW) readOutcome(gen, link, kindOf(w));
  else gen.outcome = { ok: false, error: carrierGone() }; // its carrier exited while it was suspended
  return true;
}

function shippedName(shipped: Shipped): string {
  return shipped.kind === 'function' ? shipped.name || 'anonymous' : 'module';
}

function carrierGone(): Error {
  return new CarrierDiedError('the carrier of this fiber exited (an uncaught error of code that ran there, or the process exiting)');
}

function readOutcome(gen: Generation, link: FiberLink, kind: number): void {
  const v = link.read();
  gen.outcome =
    kind === EV_RETURN ? { ok: true, value: reviveIncoming(v, false) } : { ok: false, error: errorFromWire(v as WireError, new Error().stack) };
}

function receiveHostLink(host: Host): FiberLink | undefined {
  if (!host.link) host.link = receiveLink(host.channel);
  return host.link;
}

/** An idle host of this thread, taken for a new body (its state flipped from DONE to RUNNING). */
function takeIdleHost(): Host | undefined {
  for (let i = 0; i < hosts.length; i++) {
    const host = hosts[i]!;
    const link = receiveHostLink(host);
    if (!link) continue;
    const state = Atomics.load(link.i32, STATE);
    if (state === EXITED) {
      hosts.splice(i--, 1);
      host.channel.close();
      continue;
    }
    if (state !== DONE) continue;
    // Keep what the last body left before the next one overwrites it.
    if (host.gen) ended(host.gen);
    if (Atomics.compareExchange(link.i32, STATE, DONE, RUNNING) === DONE) return host;
  }
  return undefined;
}

class FiberImpl {
  readonly #shipped: Shipped | undefined;
  /** The body itself, whose captured values are read when the fiber starts. */
  #fn: Function | undefined;
  readonly #self: boolean;
  /** A fiber's view of itself whose body has ended (a late callback may still hold it). */
  #selfEnded = false;
  #gen: Generation | undefined;
  /** A task's arguments (fn.future()(a, b)): the body is called with them spread. */
  #spread: unknown[] | undefined;

  constructor(fn: unknown, self: typeof NOT_SELF | 'self' = NOT_SELF) {
    this.#self = self === 'self';
    if (this.#self) return;
    if (typeof fn !== 'function') throw fibersError('Fiber expects a function', fiberCodes.badArg, TypeError);
    try {
      this.#shipped = shipFunction(fn);
    } catch (err) {
      throw forFiber(err);
    }
    this.#fn = fn;
  }

  /** @internal */
  static endSelf(f: FiberImpl): void {
    f.#selfEnded = true;
  }

  /** @internal */
  static task(fn: Function, args: unknown[]): FiberImpl {
    const f = new FiberImpl(fn);
    f.#spread = args;
    return f;
  }

  /**
   * Starts the fiber, or resumes it where it yielded with `value` as what
   * `Fiber.yield()` returns. Returns what the fiber yields next, or returns;
   * throws what it throws. Returns undefined when the fiber waits on I/O
   * (the hub resumes it when the I/O is done). A fiber that has returned
   * starts over.
   */
  run(...args: unknown[]): unknown {
    if (args.length > 1) throw fibersError('run() excepts 1 or no arguments', fiberCodes.badArg, TypeError);
    if (this.#self) {
      // A callback that outlived its fiber's body (node-fibers' sleep pattern): nothing left to resume.
      if (this.#selfEnded) return undefined;
      // A callback on the fiber's own loop while it yields there (see ownLoopYield in ./self.ts).
      if (resumeLocally(this, { value: args[0] })) return undefined;
      throw fibersError('This Fiber is already running', fiberCodes.running);
    }
    // On the hub, the wait for the fiber is by design: the watchdog leaves it alone.
    return waitingByDesign(() => {
      const gen = this.#gen;
      if (!gen || ended(gen)) return this.#start(args);
      const link = this.#link(gen);
      if (!link) throw fibersError('This Fiber is already running', fiberCodes.running);
      return this.#command(gen, link, CMD_RUN, args[0]);
    });
  }

  /**
   * Throws `error` into the fiber at its `Fiber.yield()`; returns what it
   * yields or returns next, like run().
   */
  throwInto(...args: unknown[]): unknown {
    if (args.length > 1) throw fibersError('throwInto() expects 1 or no arguments', fiberCodes.badArg, TypeError);
    if (this.#self && resumeLocally(this, { error: args[0] })) return undefined;
    return waitingByDesign(() => this.#command(this.#gen!, this.#yieldingLink(), CMD_THROW, errorToWire(args[0])));
  }

  /**
   * Unwinds a suspended fiber: its `Fiber.yield()` throws, its finally
   * blocks run. Returns what the body then returns (undefined if the unwind
   * reached the top). A fiber that never started is left as it is.
   */
  reset(...args: unknown[]): unknown {
    if (args.length) throw fibersError('reset() expects no arguments', fiberCodes.badArg, TypeError);
    if (!this.#self && (!this.#gen || ended(this.#gen))) return undefined;
    return waitingByDesign(() => this.#command(this.#gen!, this.#yieldingLink(), CMD_RESET, undefined));
  }

  /** True from the first run() until the body returns or throws. */
  get started(): boolean {
    if (this.#self) return !this.#selfEnded;
    return !!this.#gen && !ended(this.#gen);
  }

  /** @internal Whether run() has ever been called. */
  everRun(): boolean {
    return this.#gen !== undefined;
  }

  /**
   * @internal Waits, without holding a runner, until the body has ended;
   * returns how. For a future that waits on a task's fiber inside another fiber.
   */
  waitEnd(): { ok: true; value: unknown } | { ok: false; error: unknown } {
    const gen = this.#gen!;
    if (ended(gen)) return gen.outcome!;
    releaseRunner();
    const link = this.#link(gen, true)!;
    const i32 = link.i32;
    while (!ended(gen)) {
      if (Atomics.load(i32, STATE) === YIELDED) {
        throw new FiberError('the fiber of this future yielded, and nothing can resume it while its future is waited on', fiberCodes.stuck);
      }
      const w = Atomics.load(i32, TO_RUNNER);
      if (Atomics.load(i32, STATE) === RUNNING) waitAside(i32, TO_RUNNER, w, REPORT_MS);
    }
    return gen.outcome!;
  }

  /**
   * @internal Resolves when the body has ended, without blocking this thread
   * (Atomics.waitAsync): for futures of tasks started outside any fiber.
   */
  async endedAsync(): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
    const gen = this.#gen!;
    // A pending Atomics.waitAsync does not keep an event loop alive: the
    // future's callbacks must not be lost because this thread's green thread
    // (or program) ended first, as node-fibers' pending I/O held its loop.
    const hold = setInterval(() => {}, 2 ** 30);
    try {
      while (!ended(gen)) {
        const link = gen.host.link;
        if (!link) {
          await new Promise((r) => setTimeout(r, 1));
          continue;
        }
        const r = Atomics.waitAsync(link.i32, TO_RUNNER, Atomics.load(link.i32, TO_RUNNER), REPORT_MS);
        if (ended(gen)) break;
        if (r.async) await r.value;
      }
    } finally {
      clearInterval(hold);
    }
    return gen.outcome!;
  }

  #yieldingLink(): FiberLink {
    const gen = this.#gen;
    const link = !this.#self && gen && !ended(gen) ? this.#link(gen) : undefined;
    if (!link || Atomics.load(link.i32, STATE) !== YIELDED) throw fibersError('This Fiber is not yielding', fiberCodes.notYielding);
    return link;
  }

  #start(args: unknown[]): unknown {
    const spread = this.#spread;
    let captured: unknown[] | undefined;
    try {
      captured = capturedValues(this.#fn!, this.#shipped!);
    } catch (err) {
      throw forFiber(err);
    }
    const job: FiberJob = {
      shipped: this.#shipped!,
      captured,
      hasValue: spread !== undefined || args.length > 0,
      value: spread ?? args[0],
      spread: spread !== undefined,
      futureProto: futureProto(),
      runnerIsHub: !carrierBackend(),
    };
    created++;
    // From a carrier, only spawn's arguments count hub objects: such a first value goes to a new host.
    const idle = carrierBackend() && holdsHandles(job.value) ? undefined : takeIdleHost();
    if (idle) {
      const link = idle.link!;
      const gen: Generation = { host: idle, name: shippedName(job.shipped), seen: Atomics.load(link.i32, TO_RUNNER), outcome: undefined };
      idle.gen = gen;
      this.#gen = gen;
      orphans.register(this, gen);
      creditOutgoing(job.value, idle.thread.id);
      if (captured) creditOutgoing(captured, idle.thread.id);
      link.write(job);
      link.signal(TO_FIBER, CMD_START);
      return this.#await(gen, link);
    }
    if (!carrierBackend() && !getHub().canRunNow()) {
      const cap = getHub().options.maxCarriers;
      throw new FiberError(
        `no carrier can take this fiber: all ${cap} carriers (maxCarriers) are busy, and run() on the main thread blocks the event loop that frees them; ` +
          'raise maxCarriers, or start the fiber once others have ended',
        fiberCodes.start,
      );
    }
    const name = `greenthread-fiber-${threadId}-${++channelSeq}`;
    const channel = openChannel(name);
    let thread: GreenThread<unknown>;
    try {
      // Through spawn's arguments, hub objects in the first value are counted by spawn.
      // On the hub, run() waits for its host at once: an idle carrier takes it whatever the cores do.
      thread = spawnWith({ now: !carrierBackend() }, ENTRY, { channel: name, job }) as GreenThread<unknown>;
    } catch (err) {
      channel.close();
      throw err;
    }
    const host: Host = { channel, link: undefined, thread, gen: undefined };
    const gen: Generation = { host, name: shippedName(job.shipped), seen: 0, outcome: undefined };
    host.gen = gen;
    let link: FiberLink;
    try {
      link = this.#firstLink(host);
    } catch (err) {
      // Not started: the fiber stays fresh, and a later run() tries again.
      thread.kill();
      channel.close();
      throw err;
    }
    hosts.push(host);
    this.#gen = gen;
    orphans.register(this, gen);
    return this.#await(gen, link);
  }

  /**
   * A new host's buffer, once its carrier is up and has sent it. On the hub
   * the carrier starts while this thread waits: spawn's `now` gives the host
   * an idle carrier, or one still starting (#start made sure there is one:
   * busy carriers free up only when the hub's event loop turns).
   */
  #firstLink(host: Host): FiberLink {
    return this.#link(host.gen!)!;
  }

  /**
   * The host's buffer, waiting (bounded) for it to arrive from its carrier
   * if the host is running there.
   */
  #link(gen: Generation, wait = true): FiberLink | undefined {
    const host = gen.host;
    let link = receiveHostLink(host);
    if (link || !wait) return link;
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (!link) {
      if (performance.now() > deadline) {
        throw new FiberError(`the fiber's carrier did not answer within ${START_TIMEOUT_MS / 1000} s of its start`, fiberCodes.start);
      }
      Atomics.wait(spin, 0, 0, 0.5);
      link = receiveHostLink(host);
    }
    return link;
  }

  #command(gen: Generation, link: FiberLink, cmd: number, value: unknown): unknown {
    if (cmd === CMD_RUN && carrierBackend() && holdsHandles(value)) throw refuseBetweenCarriers('the value of run()');
    const state = Atomics.compareExchange(link.i32, STATE, YIELDED, RUNNING);
    if (state === EXITED) {
      ended(gen);
      throw carrierGone();
    }
    if (state !== YIELDED) {
      throw cmd === CMD_RUN
        ? fibersError('This Fiber is already running', fiberCodes.running)
        : fibersError('This Fiber is not yielding', fiberCodes.notYielding);
    }
    gen.seen = Atomics.load(link.i32, TO_RUNNER);
    if (cmd === CMD_RUN) creditOutgoing(value, gen.host.thread.id);
    link.write(value);
    link.signal(TO_FIBER, cmd);
    return this.#await(gen, link);
  }

  /** Blocks until the fiber's next event and gives run() its meaning. */
  #await(gen: Generation, link: FiberLink): unknown {
    const i32 = link.i32;
    let w: number;
    let reported = false;
    for (;;) {
      w = Atomics.load(i32, TO_RUNNER);
      if (w !== gen.seen && kindOf(w) === EV_EXIT) {
        gen.seen = w;
        exitWithFiber(link.read() as number);
        continue;
      }
      if (w !== gen.seen) break;
      if (waitAside(i32, TO_RUNNER, w, REPORT_MS) === 'timed-out' && !reported) {
        reported = true;
        process.stderr.write(
          `greenthread: fiber.run() has been blocked ${REPORT_MS / 1000} s by fiber \`${gen.name}\` (green thread ${gen.host.thread.id}), which computes without yielding; ` +
            `its runner's thread (${carrierBackend() ? 'a carrier' : 'the hub: no I/O is served meanwhile'}) waits for it\n`,
        );
      }
    }
    gen.seen = w;
    switch (kindOf(w)) {
      case EV_YIELD:
        return reviveIncoming(link.read(), false);
      case EV_PARKED:
        return undefined;
      case EV_RETURN:
      case EV_THROW: {
        readOutcome(gen, link, kindOf(w));
        const o = gen.outcome!;
        if (o.ok) return o.value;
        throw o.error;
      }
    }
    throw new Error(`fiber event ${kindOf(w)} is unknown; this is a bug in greenthread`);
  }
}

/**
 * The fiber called process.exit(code). In a carrier the runner waits on:
 * the fiber's carrier hands the exit to the hub after its output, and if
 * that carrier exits alone instead (exitForwarding off), its last word wakes
 * the runner with an error. The hub cannot wait (its event loop brings that
 * exit): it exits itself, once the fiber's output has been written.
 */
function exitWithFiber(code: number): void {
  // A fiber waiting for the exiting one passes the word on to its own runner.
  const self = currentSelf();
  if (self) passExit(self, code);
  if (!carrierBackend()) process.exit(code);
}

/**
 * A node-fibers fiber, made by {@link Fiber}.
 *
 * @example
 * ```js
 * const f = Fiber((x) => Fiber.yield(x + 1) * 2)
 * f.run(1)   // 2: what it yielded
 * f.run(10)  // 20: what it returned
 * ```
 */
export interface Fiber {
  /**
   * Starts the fiber (its function gets `value`, if given), or resumes it
   * (its `Fiber.yield()` returns `value`). Returns what it yields or returns
   * next, throws what it throws; returns undefined when the fiber waits on
   * I/O (the hub resumes it then). A finished fiber starts over.
   */
  run(value?: unknown): unknown;
  /** Throws `error` at the suspended fiber's `Fiber.yield()`; returns like run(). */
  throwInto(error?: unknown): unknown;
  /** Unwinds a suspended fiber (its finally blocks run); returns what it returns then. */
  reset(): unknown;
  /** True from the first run() until its function returns or throws. */
  readonly started: boolean;
}

/** The `Fiber` function: callable with or without `new`. */
export interface FiberConstructor {
  (fn: (value?: any) => unknown): Fiber;
  new (fn: (value?: any) => unknown): Fiber;
  readonly prototype: Fiber;
  /**
   * Suspends the running fiber: its runner's run() returns `value`; the next
   * run(x) makes yield return x. Outside a fiber it throws.
   */
  yield(value?: unknown): unknown;
  /** The fiber this code runs in, undefined outside one. */
  readonly current: Fiber | undefined;
  /**
   * Carriers kept warm (the hub's `minCarriers`): node-fibers' coroutine
   * pool size. A fiber started on a warm carrier skips a carrier's start.
   */
  poolSize: number;
  /** Fibers this process's fibers module has started. */
  readonly fibersCreated: number;
  /** Itself, for `const { Fiber } = require(...)`. */
  readonly Fiber: FiberConstructor;
}

/**
 * node-fibers' `Fiber`, backed by green threads. `Fiber(fn)` (with or
 * without `new`) ships `fn` as spawn does: a function that closes over
 * mutable outer state is refused here, with a GreenClosureError naming it.
 *
 * @example
 * ```js
 * const Fiber = require('greenthread/fibers')
 * const fib = Fiber(() => {
 *   let [a, b] = [0, 1]
 *   for (;;) { Fiber.yield(a); [a, b] = [b, a + b] }
 * })
 * console.log(fib.run(), fib.run(), fib.run(), fib.run()) // 0 1 1 2
 * fib.reset()
 * ```
 */
export const Fiber = function Fiber(fn: (value?: unknown) => unknown): Fiber {
  const f = new FiberImpl(fn);
  return f as unknown as Fiber;
} as unknown as FiberConstructor;

Object.defineProperty(Fiber, 'prototype', { value: FiberImpl.prototype });
Object.defineProperty(FiberImpl.prototype, 'constructor', { value: Fiber, writable: true, configurable: true });

Object.defineProperties(Fiber, {
  yield: {
    value: function fiberYield(...args: unknown[]): unknown {
      if (args.length > 1) throw fibersError('yield() expects 1 or no arguments', fiberCodes.badArg, TypeError);
      const self = currentSelf();
      if (!self) throw fibersError('yield() called with no fiber running', fiberCodes.noFiber);
      return yieldFrom(self, args[0]);
    },
    writable: true,
    configurable: true,
  },
  current: {
    get: () => {
      const self = currentSelf();
      if (!self) return undefined;
      self.currentTaken = true;
      return self.fiber;
    },
    configurable: true,
  },
  poolSize: {
    get: () => (carrierBackend() ? poolSizeHere : getHub().options.minCarriers),
    set: (n: unknown) => {
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
        throw new GreenArgumentError(`Fiber.poolSize must be a non-negative integer, got ${String(n)}`);
      }
      // The pool is the hub's: from a green thread the hub sets it (a short park).
      if (carrierBackend()) poolSizeHere = runInHub<[number], number>(HUB_POOL, n);
      else setPoolSize(n);
    },
    configurable: true,
  },
  fibersCreated: { get: () => created, configurable: true },
  // `const { Fiber } = require('greenthread/fibers')` as well as `const Fiber = require(...)`.
  Fiber: { value: Fiber, configurable: true },
});

/** @internal The Fiber object a fiber's body sees as `Fiber.current`. */
export function selfFiber(): Fiber {
  return new FiberImpl(undefined, 'self') as unknown as Fiber;
}

/** @internal The body behind a fiber's view of itself has ended. */
export function endSelf(f: object): void {
  FiberImpl.endSelf(f as FiberImpl);
}

/** @internal A fiber whose body is called with `args` spread. */
export function taskFiber(fn: Function, args: unknown[]): FiberImpl {
  return FiberImpl.task(fn, args);
}

/** @internal For futures: the implementation behind a Fiber object. */
export function fiberImpl(f: Fiber): FiberImpl {
  return f as unknown as FiberImpl;
}
export type { FiberImpl };
