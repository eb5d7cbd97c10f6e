/**
 * The GreenThread handle and the calls that start, park and inspect green
 * threads. The same code serves both sides: inside a green thread it goes
 * through the carrier's backend (a blocking request to the hub); on the hub
 * it calls the Hub directly and never blocks.
 *
 * Runs on every thread.
 */
import { carrierBackend } from './backend.js';
import { mayHoldHandles, serialize } from './channel/channel.js';
import { collect } from './sync/handles.js';
import { ERROR_CLASS, GreenArgumentError, GreenCloneError, HubBlockingError } from './errors.js';
import { getHub } from './hub-access.js';
import type { ThreadRecord } from './hub/types.js';
import { createRequire } from 'node:module';
import type * as Describe from './shipping/describe.js';
import type { Shipped, ShippedFunction } from './shipping/types.js';
import { callArgs, errorClassOf } from './shipping/capture.js';
import { ownPath } from './own-files.js';

/** Options of {@link GreenThread.kill}. */
export interface KillOptions {
  /**
   * End a green thread even if it never parks (stuck in CPU work) by
   * terminating its carrier; a fresh carrier replaces it. Its `finally`
   * blocks do not run.
   */
  force?: boolean;
  /** What the GreenThreadExit carries as `reason`. */
  reason?: unknown;
}

/**
 * A green thread: a function running on a pooled carrier, started by {@link spawn}.
 *
 * @example
 * ```ts
 * import { spawn } from 'greenthread'
 * import { execSync } from 'node:child_process'
 * const g = spawn((cmd) => execSync(cmd).toString(), 'uname -a')
 * console.log(await g.result)
 * ```
 */
export class GreenThread<T = unknown> {
  /** Unique id. Green thread 0 is the application run by `greenthread run`. */
  readonly id: number;
  /** Hub side only: the hub's record, kept after the hub forgets the id. */
  #record: ThreadRecord | undefined;
  /** What was spawned, when this handle comes from spawn: its module's error classes are restored on errors. */
  #origin: { fn: Function; shipped: ShippedFunction } | undefined;

  /** @internal Handles come from spawn() and current(). */
  constructor(id: number, record?: ThreadRecord, origin?: { fn: Function | URL; shipped: Shipped }) {
    this.id = id;
    this.#record = record;
    if (origin && typeof origin.fn === 'function' && origin.shipped.kind === 'function') this.#origin = origin as { fn: Function; shipped: ShippedFunction };
  }

  /**
   * An error that crossed as a plain Error though it was thrown as a class of
   * the spawned function's module (its own, or one it imports: js-yaml's
   * YAMLException) gets that class back.
   */
  #restore(err: unknown): unknown {
    return this.#origin ? restoreErrorClass(err, this.#origin.fn, this.#origin.shipped) : err;
  }

  /** True once it has ended: returned, thrown or been killed. */
  get dead(): boolean {
    if (this.#record) return this.#record.state === 'dead';
    return carrierBackend()!.status(this.id).dead;
  }

  /** True if it ended because it was killed. */
  get killed(): boolean {
    if (this.#record) {
      const o = this.#record.outcome;
      return !!o && !o.ok && o.killed;
    }
    const { killed } = carrierBackend()!.status(this.id);
    if (killed === undefined) {
      throw new GreenArgumentError(
        `green thread ${this.id} has ended, and how is no longer known: the hub lets go of an outcome nobody kept ` +
          `(see g.wait()). Keep the value (g.wait() or await g.result) while you still need it.`,
      );
    }
    return killed;
  }

  /**
   * Its return value as a Promise, usable anywhere (on the hub or in a green
   * thread's async code). Rejects with its error. A killed green thread
   * resolves with its GreenThreadExit.
   */
  get result(): Promise<T> {
    const p = (this.#record ? getHub().result(this.#record) : carrierBackend()!.result(this.id)) as Promise<T>;
    return this.#origin ? p.catch((err: unknown) => Promise.reject(this.#restore(err))) : p;
  }

  /**
   * Parks the calling green thread until this one ends; returns its value or
   * throws its error. Only inside a green thread: on the hub use `await g.result`.
   */
  wait(): T {
    const b = carrierBackend();
    if (!b) throw new HubBlockingError('wait');
    try {
      return b.wait(this.id) as T;
    } catch (err) {
      throw this.#restore(err);
    }
  }

  /**
   * Kills it: a GreenThreadExit is thrown at its park point (sleep, wait, any
   * blocking call), its `finally` blocks run, and it counts as killed. If it
   * is not parked, the exit is delivered at its next park point. Killing one
   * that has not started means it never runs; killing twice is harmless.
   * `kill({ force: true })` also ends one stuck in CPU work.
   */
  kill(reasonOrOptions?: unknown): void {
    let reason = reasonOrOptions;
    let force = false;
    if (isKillOptions(reasonOrOptions)) {
      force = reasonOrOptions.force === true;
      reason = reasonOrOptions.reason;
    }
    const b = carrierBackend();
    if (b) b.kill(this.id, reason, force);
    else if (this.#record) getHub().kill(this.#record, reason, force);
  }

  /**
   * Calls `cb(error, value)` exactly once when it ends, at once if it already
   * has. `error` is undefined unless it failed; a killed green thread gives
   * its GreenThreadExit as `value`. Inside a green thread the callback runs
   * on that green thread's event loop, which it keeps alive until then.
   */
  link(cb: (error: unknown, value: T | undefined) => void): void {
    if (typeof cb !== 'function') throw new GreenArgumentError('link(cb) needs a function');
    const b = carrierBackend();
    if (b) b.link(this.id, cb as (e: unknown, v: unknown) => void);
    else getHub().link(this.#record!, cb as (e: unknown, v: unknown) => void);
  }
}

function isKillOptions(v: unknown): v is KillOptions {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k === 'force' || k === 'reason') && 'force' in v;
}

/**
 * What each function shipped as. V8 tells where a function is defined, so the
 * answer does not depend on where spawn is called from: a repeat spawn skips
 * even the stack walk.
 */
const shippedBefore = new WeakMap<Function, Shipped>();

/**
 * Starts `fn(...args)` in a green thread and returns its handle at once.
 *
 * The function runs in another isolate, so it is shipped as source with what
 * it uses: globals, its module's imports and top-level functions, and the
 * values it captures, copied as they are at this call (a function among them
 * ships too, or runs on the hub when it changes state of the hub). What
 * cannot work (assigning or changing a captured variable) is refused with
 * GreenClosureError, which says what to do. Arguments and the result are
 * copied by structured clone (Buffers and typed arrays survive).
 * `spawn(new URL('./task.js', import.meta.url), ...args)` runs a module's
 * default export.
 *
 * @example
 * ```ts
 * import { spawn, sleep } from 'greenthread'
 * const threads = [1, 2, 3].map((n) => spawn((n) => { sleep(100); return n * 2 }, n))
 * console.log(await Promise.all(threads.map((g) => g.result))) // [2, 4, 6] after ~100 ms
 * ```
 */
export function spawn<A extends unknown[], R>(fn: ((...args: A) => R) | URL, ...args: A): GreenThread<Awaited<R>> {
  return spawnWith({}, fn, ...args);
}

/**
 * @internal spawn, with `now`: the hub thread itself is about to wait for
 * this green thread synchronously (Fiber.run on the hub), so an idle carrier
 * runs it even while every core computes; queued, it could not start until
 * the wait ended.
 */
export function spawnWith<A extends unknown[], R>({ now = false }: { now?: boolean }, fn: ((...args: A) => R) | URL, ...args: A): GreenThread<Awaited<R>> {
  const b = carrierBackend();
  // A carrier starts while the function is described (the first time, tens of ms).
  const hub = b ? undefined : getHub();
  hub?.warm();
  const { shipped, bytes, handles } = packCall(fn, args);
  if (!hub) return new GreenThread(b!.spawn(shipped, bytes, handles), undefined, { fn, shipped });
  hub.holds?.keepIds(handles);
  const record = hub.spawn(shipped, bytes, { handles, now });
  return new GreenThread(record.id, record, { fn, shipped });
}

// Describing a function needs parsers and module resolution; a carrier that never
// spawns never loads them.
let describe: typeof Describe | undefined;
const describer = () => (describe ??= createRequire(import.meta.url)(ownPath('shipping/describe.js')) as typeof Describe);

/** @internal What spawn ships: the described function, once per function. */
export function shipFunction(fn: Function | URL): Shipped {
  if (fn instanceof URL) return describer().describeModule(fn);
  if (typeof fn !== 'function') {
    throw new GreenArgumentError(`spawn(fn, ...args) needs a function or a module URL, got ${fn === null ? 'null' : typeof fn}`);
  }
  let shipped = shippedBefore.get(fn);
  if (!shipped) {
    const { callerLocation, describeFunction } = describer();
    const at = callerLocation();
    shipped = describeFunction(fn, at?.file, at?.line);
    shippedBefore.set(fn, shipped);
  }
  return shipped;
}

/**
 * @internal What a call of `fn(...args)` in another thread sends: the
 * described function, and the arguments serialized (with the values the
 * function captures in front, and functions among them made crossable;
 * see shipping/capture.ts).
 */
export function packCall(fn: Function | URL, args: unknown[]): { shipped: Shipped; bytes: Uint8Array; handles: number[] } {
  const shipped = shipFunction(fn);
  if (shipped.kind === 'function' && shipped.captures?.length) return { shipped, ...packArgs(callArgs(fn, shipped, args, describeValue)) };
  try {
    return { shipped, ...packArgs(args) };
  } catch (err) {
    // Plain data goes as it is; functions among the arguments are looked for only when they are why it failed.
    if (!(err instanceof GreenCloneError)) throw err;
    const crossable = callArgs(fn, shipped, args, describeValue);
    if (crossable === args) throw err;
    return { shipped, ...packArgs(crossable) };
  }
}

/**
 * @internal The values `fn` captures, made crossable, for a call that does
 * not go through packCall (a fiber's body, a wrapped call); undefined when it
 * captures none.
 */
export function capturedValues(fn: Function, shipped: Shipped): unknown[] | undefined {
  if (shipped.kind !== 'function' || !shipped.captures?.length) return undefined;
  return callArgs(fn, shipped, [], describeValue)[0] as unknown[];
}

/**
 * @internal `err`, rebuilt from another thread, with the class it was thrown
 * as when that class is one that `fn`'s module gives it (see GreenThread).
 */
export function restoreErrorClass(err: unknown, fn: Function | URL, shipped: Shipped): unknown {
  const name = err instanceof Error ? (err as unknown as Record<symbol, unknown>)[ERROR_CLASS] : undefined;
  if (typeof name !== 'string' || typeof fn !== 'function' || shipped.kind !== 'function') return err;
  const Cls = errorClassOf(fn, shipped, name);
  if (Cls) Object.setPrototypeOf(err, Cls.prototype as object);
  return err;
}

/** A function found among a call's values, described to run elsewhere. */
const describeValue = (fn: Function): ShippedFunction => {
  const shipped = describer().describeFunction(fn, undefined, undefined, true);
  if (shipped.kind !== 'function') throw new GreenArgumentError('not a function');
  return shipped;
};

/** @internal Arguments serialized, with the ids of the hub objects among them. */
export function packArgs(args: unknown[]): { bytes: Uint8Array; handles: number[] } {
  const bytes = serialize(args, 'spawn arguments');
  return { bytes, handles: mayHoldHandles(bytes) ? collect(args) : [] };
}

/**
 * Parks the calling green thread for `ms` milliseconds on a hub timer; the
 * hub and every other green thread go on. `sleep(0)` yields once.
 * On the hub thread it throws HubBlockingError.
 *
 * @example
 * ```ts
 * spawn(() => { sleep(50); console.log('50 ms later') })
 * ```
 */
export function sleep(ms: number): void {
  if (typeof ms !== 'number' || !(ms >= 0)) {
    throw new GreenArgumentError(`sleep(ms) needs a number of milliseconds >= 0, got ${String(ms)}`);
  }
  const b = carrierBackend();
  if (!b) throw new HubBlockingError('sleep');
  b.sleep(ms);
}

/**
 * True inside a green thread, false on the hub.
 *
 * @example
 * ```ts
 * if (!isGreenThread()) await g.result; else g.wait()
 * ```
 */
export function isGreenThread(): boolean {
  return carrierBackend() !== undefined;
}

/**
 * The green thread this code runs in, or undefined on the hub.
 *
 * @example
 * ```ts
 * spawn(() => console.log('I am green thread', current()!.id))
 * ```
 */
export function current(): GreenThread | undefined {
  const id = carrierBackend()?.currentId();
  return id === undefined ? undefined : new GreenThread(id);
}
