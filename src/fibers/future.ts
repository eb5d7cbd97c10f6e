/**
 * `Future`, node-fibers' fibers/future API on green threads.
 *
 * Outside a fiber (on the hub, say) a Future is what it always was: a value
 * or error that arrives through a node-style callback on this thread's event
 * loop; `wait()` needs a fiber and throws.
 *
 * Inside a fiber, the fiber's own event loop does not turn while the fiber
 * waits (the fiber's stack sits on its carrier's thread), so nothing that
 * loop would deliver can ever resolve a future it waits on. So:
 *
 * - a call through `Future.wrap` made in a fiber runs in the hub instead
 *   (builtin module functions such as `fs.readFile` are found there by name;
 *   other functions are shipped as spawn ships them). It starts when it is
 *   first waited on; `Future.wait(a, b)` runs a and b at once. While it runs,
 *   the fiber is parked on the hub like any blocking call, so its runner's
 *   run() returns;
 * - `Future.task(fn)` in a fiber runs `fn` in a fiber of its own;
 * - waiting on any other unresolved future in a fiber (a bare `new Future`,
 *   `fromPromise` of a local promise) throws FiberError
 *   `ERR_GREEN_FIBER_LOCAL_WAIT` at once instead of waiting forever.
 *
 * Runs on every thread.
 */
import { createRequire } from 'node:module';
import { errorFromWire, GreenArgumentError, type WireError } from '../errors.js';
import { runInHub } from '../sync/run-in-hub.js';
import { capturedValues, shipFunction } from '../green-thread.js';
import { FiberError, fiberCodes, fibersError } from './errors.js';
import { Fiber, fiberImpl, setFutureProtoProbe, taskFiber, type FiberImpl } from './fiber.js';
import type { callInHub, CallResult, CallTarget, RemoteCall } from './hub-calls.js';
import { ownFile } from '../own-files.js';
import { currentSelf, turnOwnLoopWhile } from './self.js';

/**
 * The hub's half of the calls (./hub-calls.ts), shipped by its module's URL:
 * the build keeps that module in a file of its own, so that the hub imports
 * it as written.
 */
const HUB_CALLS = ownFile('fibers/hub-calls.js');

type Callback<T> = (error: unknown, value?: T) => void;

const BUILTINS = ['fs', 'dns', 'child_process', 'zlib', 'crypto', 'net', 'http', 'https', 'os', 'util', 'timers', 'readline'];
let builtinTable: Map<Function, { builtin: string; path: string[] }> | undefined;

/** Where the hub finds a builtin function by itself, if `fn` is one. */
function builtinTarget(fn: Function): { builtin: string; path: string[] } | undefined {
  if (!builtinTable) {
    builtinTable = new Map();
    const req = createRequire(import.meta.url);
    for (const name of BUILTINS) {
      const mod = req(`node:${name}`) as Record<string, unknown>;
      for (const key of Object.keys(mod)) {
        const v = mod[key];
        if (typeof v === 'function' && !builtinTable.has(v)) builtinTable.set(v, { builtin: `node:${name}`, path: [key] });
      }
    }
  }
  return builtinTable.get(fn);
}

function remoteTarget(fn: Function, self: unknown): CallTarget {
  const builtin = builtinTarget(fn);
  if (builtin) return builtin;
  if (self !== undefined && self !== null && self !== globalThis) {
    throw new FiberError(
      `Future.wrap: \`${fn.name || 'anonymous'}\` is called as a method of an object of this fiber; inside a fiber a wrapped call runs in the hub, ` +
        'which cannot see this fiber\'s objects. Wrap a top-level function or a builtin module function, or use runInHub',
      fiberCodes.wrap,
    );
  }
  const shipped = shipFunction(fn);
  const captured = capturedValues(fn, shipped);
  return captured ? { shipped, captured } : { shipped };
}

let prototypeEnabled = false;
setFutureProtoProbe(() => prototypeEnabled);

/**
 * node-fibers' Future: a value or error that arrives later, and a way for a
 * fiber to wait for it.
 *
 * @example
 * ```js
 * const Fiber = require('greenthread/fibers')
 * const Future = require('greenthread/future')
 * const fs = require('node:fs')
 * function readText(path) {
 *   return Future.wrap(fs.readFile)(path, 'utf8').wait()   // runs in the hub; the fiber waits
 * }
 * Fiber(() => console.log(readText('/etc/hostname'))).run()
 * ```
 */
export class Future<T = unknown> {
  #resolved = false;
  #value: T | undefined;
  #error: unknown;
  #callbacks: Callback<T>[] | undefined;
  /** Made inside a fiber by a wrapped function: the call the hub will run. */
  #remote: RemoteCall | undefined;
  /** Made inside a fiber by Future.task: the fiber that computes it. */
  #task: FiberImpl | undefined;

  /**
   * Wraps a node-style async function (callback last) into one that returns
   * a Future; given an object, returns an object inheriting from it with a
   * `name + suffix` wrapper for each of its functions. With `multi`, the
   * future's value is the array of every value the callback got.
   *
   * @example
   * ```js
   * const fsf = Future.wrap(require('node:fs'))   // fsf.readFileFuture(path)
   * function size(path) { return Future.wrap(fs.stat)(path).wait().size } // in a fiber
   * ```
   */
  static wrap<F extends (...args: any[]) => unknown>(fnOrObject: F | object, multi?: boolean, suffix = 'Future'): any {
    if (typeof fnOrObject === 'function') return wrapFunction(fnOrObject as Function, !!multi);
    if (fnOrObject !== null && typeof fnOrObject === 'object') {
      const wrapped = Object.create(fnOrObject) as Record<string, unknown>;
      for (const key in fnOrObject) {
        const v = (fnOrObject as Record<string, unknown>)[key];
        if (typeof v === 'function') wrapped[key + suffix] = wrapFunction(v, !!multi);
      }
      return wrapped;
    }
    throw new GreenArgumentError(`Future.wrap(fn | object, multi?, suffix?) needs a function or an object, got ${fnOrObject === null ? 'null' : typeof fnOrObject}`);
  }

  /**
   * Runs `fn` in a new fiber and returns a Future of its return value.
   *
   * @example
   * ```js
   * const f = Future.task(() => compute())
   * f.resolve((err, value) => console.log(err ?? value))
   * ```
   */
  static task<R>(fn: () => R): Future<R> {
    return startTask(fn, undefined);
  }

  /**
   * Waits, inside a fiber, until every future given (arrays are flattened)
   * has resolved. Does not throw their errors: call `get()` on each.
   *
   * @example
   * ```js
   * const [a, b] = [readText('a'), readText('b')]   // wrapped calls
   * Future.wait(a, b)                                 // both run at once
   * ```
   */
  static wait(...futures: unknown[]): void {
    const list: Future[] = [];
    const flatten = (items: unknown[]) => {
      for (const f of items) {
        if (f instanceof Future) list.push(f);
        else if (Array.isArray(f)) flatten(f);
        else throw new Error(`${String(f)} is not a future`);
      }
    };
    flatten(futures);
    if (!currentSelf()) throw fibersError("Can't wait without a fiber", fiberCodes.noFiber);
    settleInFiber(list.filter((f) => !f.isResolved()));
  }

  /**
   * A Future that resolves as `promise` settles. Inside a fiber, a promise
   * of the fiber's own event loop cannot settle while the fiber waits: use
   * runInHub there.
   *
   * @example
   * ```js
   * Future.fromPromise(fetch(url)).resolve((err, res) => ...)
   * ```
   */
  static fromPromise<R>(promise: PromiseLike<R>): Future<R> {
    const f = new Future<R>();
    promise.then(
      (v) => f.return(v),
      (e) => f.throw(e ?? new Error('promise rejected with ' + String(e))),
    );
    return f;
  }

  /**
   * Defines `Function.prototype.future` in this thread (and in fibers
   * started from it), as requiring node-fibers' future.js did. Off by
   * default: greenthread does not touch built-in prototypes unasked.
   * `fn.future()` returns a function that runs `fn` in a new fiber and
   * returns a Future of its value.
   *
   * @example
   * ```js
   * Future.enableFunctionPrototype()
   * const double = ((n) => n * 2).future()
   * double(21).resolve((err, v) => console.log(v)) // 42
   * ```
   */
  static enableFunctionPrototype(): void {
    enableFunctionPrototype();
  }

  /** The value; throws the error; throws if not yet resolved. */
  get(): T {
    if (!this.#resolved) throw fibersError('Future must resolve before value is ready', fiberCodes.unresolved);
    if (this.#error) throw this.#error;
    return this.#value as T;
  }

  /** Resolves with `value`; callbacks run now. */
  return(value?: T): void {
    if (this.#resolved) throw fibersError('Future resolved more than once', fiberCodes.resolvedTwice);
    this.#value = value;
    this.#resolved = true;
    this.#flush();
  }

  /** Resolves with `error`; callbacks run now. */
  throw(error: unknown): void {
    if (this.#resolved) throw fibersError('Future resolved more than once', fiberCodes.resolvedTwice);
    if (!error) throw fibersError('Must throw non-empty error', fiberCodes.badArg);
    this.#error = error;
    this.#resolved = true;
    this.#flush();
  }

  isResolved(): boolean {
    return this.#resolved;
  }

  /** A node-style callback that resolves this future. */
  resolver(): Callback<T> {
    return (err, value) => {
      if (err) this.throw(err);
      else this.return(value);
    };
  }

  /** Calls `cb(error, value)` once resolved (now, if it is). */
  resolve(cb: Callback<T>): this {
    if (!this.#resolved && (this.#remote || this.#task) && currentSelf()) settleInFiber([this as Future]);
    if (this.#resolved) cb(this.#error, this.#value);
    else (this.#callbacks ??= []).push(cb);
    return this;
  }

  /** Calls `cb(value)` on success only. */
  resolveSuccess(cb: (value: T) => void): this {
    return this.resolve((err, value) => {
      if (!err) cb(value as T);
    });
  }

  /** Passes this future's outcome on to `future`. */
  proxy(future: Future<T>): void {
    this.resolve((err, value) => {
      if (err) future.throw(err);
      else future.return(value);
    });
  }

  /** Passes this future's error (only) on to `futures`. */
  proxyErrors(futures: Future | Future[]): this {
    return this.resolve((err) => {
      if (!err) return;
      for (const f of Array.isArray(futures) ? futures : [futures]) f.throw(err);
    });
  }

  /** Nobody will wait for it: an error becomes uncaught. */
  detach(): void {
    this.resolve((err) => {
      if (err) throw err;
    });
  }

  /** A Promise of the outcome. */
  promise(): Promise<T> {
    return new Promise((resolve, reject) => this.resolve((err, value) => (err ? reject(err) : resolve(value as T))));
  }

  /** Inside a fiber: waits until resolved, returns the value or throws the error. */
  wait(): T {
    if (this.#resolved) return this.get();
    Future.wait(this);
    return this.get();
  }

  #flush(): void {
    const callbacks = this.#callbacks;
    this.#callbacks = undefined;
    for (const cb of callbacks ?? []) {
      try {
        cb(this.#error, this.#value);
      } catch (ex) {
        // node-fibers' rule: a callback that throws ends the process.
        process.stderr.write(String((ex as Error)?.stack ?? ex) + '\n');
        process.exit(1);
      }
    }
  }

  /** @internal */
  static _setRemote(f: Future, call: RemoteCall): void {
    f.#remote = call;
  }
  /** @internal */
  static _remote(f: Future): RemoteCall | undefined {
    return f.#remote;
  }
  /** @internal */
  static _setTask(f: Future, task: FiberImpl): void {
    f.#task = task;
  }
  /** @internal */
  static _task(f: Future): FiberImpl | undefined {
    return f.#task;
  }
}

function settleWith(f: Future, r: CallResult | { ok: true; value: unknown } | { ok: false; error: unknown }, wire: boolean): void {
  if (f.isResolved()) return;
  if (r.ok) f.return(r.value);
  else f.throw(wire ? errorFromWire(r.error as WireError) : r.error);
}

/**
 * Resolves, inside a fiber, what can be resolved from here: wrapped calls
 * (all at once, in the hub) and tasks (their fibers). What is left would need
 * this fiber's own event loop: an error, not a wait that never ends.
 */
function settleInFiber(pending: Future[]): void {
  const remote = pending.filter((f) => Future._remote(f) && !f.isResolved());
  if (remote.length) {
    const results = runInHub<[RemoteCall[]], Awaited<ReturnType<typeof callInHub>>>(HUB_CALLS, remote.map((f) => Future._remote(f)!));
    remote.forEach((f, i) => settleWith(f, results[i]!, true));
  }
  const tasks = pending.filter((f) => Future._task(f) && !f.isResolved());
  for (const f of tasks) {
    const fiber = Future._task(f)!;
    const failed = fiber.everRun() ? undefined : runTask(fiber);
    if (failed) settleWith(f, failed, false);
  }
  for (const f of tasks) if (!f.isResolved()) settleWith(f, Future._task(f)!.waitEnd(), false);
  // Resolved by a callback of this thread: with deasync, its loop turns meanwhile.
  if (pending.some((f) => !f.isResolved()) && currentSelf()) turnOwnLoopWhile(() => pending.some((f) => !f.isResolved()));
  const local = pending.find((f) => !f.isResolved());
  if (local) {
    throw new FiberError(
      'this future can only be resolved by this fiber\'s own event loop (a callback or promise of this thread), which does not run while the fiber waits. ' +
        'Inside a fiber, wait on futures of Future.wrap (they run in the hub), Future.task, or use runInHub',
      fiberCodes.localWait,
    );
  }
}

/** Starts a task's fiber; returns why it could not start (its function's values cannot be shipped), if it could not. */
function runTask(fiber: FiberImpl): { ok: false; error: unknown } | undefined {
  try {
    fiber.run();
  } catch (error) {
    // Once started, its outcome is read by waitEnd() or the thread's result.
    if (!fiber.everRun()) return { ok: false, error };
  }
  return undefined;
}

function startTask<R>(fn: Function, args: unknown[] | undefined): Future<R> {
  const f = new Future<R>();
  const fiber = args ? taskFiber(fn, args) : fiberImpl(Fiber(fn as () => unknown));
  if (currentSelf()) {
    // The fiber's own nextTick would not run before it waits: start at the first wait.
    Future._setTask(f as Future, fiber);
    return f;
  }
  process.nextTick(() => {
    const failed = runTask(fiber);
    if (failed) settleWith(f as Future, failed, false);
    if (f.isResolved()) return;
    void fiber.endedAsync().then((outcome) => settleWith(f as Future, outcome, false));
  });
  return f;
}

/** @internal Installs Function.prototype.future in this isolate. */
export function enableFunctionPrototype(): void {
  if (prototypeEnabled) return;
  prototypeEnabled = true;
  Object.defineProperty(Function.prototype, 'future', {
    value: function future(this: Function, detach?: boolean) {
      const fn = this;
      const ret = function (...args: unknown[]) {
        const f = startTask(fn, args);
        if (detach) f.detach();
        return f;
      };
      ret.toString = () => `<<Future ${String(fn)}.future()>>`;
      return ret;
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

function wrapFunction(fn: Function, multi: boolean): (...args: unknown[]) => Future {
  return function (this: unknown, ...args: unknown[]): Future {
    const f = new Future();
    if (currentSelf()) {
      Future._setRemote(f, { target: remoteTarget(fn, this), args, multi });
      return f;
    }
    const cb = f.resolver();
    fn.apply(this, [...args, multi ? (err: unknown, ...values: unknown[]) => cb(err, values) : cb]);
    return f;
  };
}
