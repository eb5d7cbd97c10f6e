/**
 * GreenPool and GreenPile: bounded concurrency over green threads, with the
 * pool's bookkeeping in the hub so that one pool serves green threads on any
 * carrier and the hub.
 *
 * Runs on every thread.
 */
import { carrierBackend } from '../backend.js';
import { GreenArgumentError, HubBlockingError } from '../errors.js';
import { GreenThread, packCall } from '../green-thread.js';
import { getHub } from '../hub-access.js';
import type { PoolSpawnAnswer } from '../hub/objects/pool.js';
import { callAsync, callBlocking, callNow, createObject } from './call.js';
import { facadeOf, HubHandle, registerKind, track } from './handles.js';

/** A task that a pool member ran itself because the pool was full (see GreenPool.spawn). */
class FinishedThread<T> extends GreenThread<T> {
  readonly #failed: boolean;
  readonly #value: unknown;
  constructor(failed: boolean, value: unknown) {
    super(-1);
    this.#failed = failed;
    this.#value = value;
  }
  override get dead(): boolean {
    return true;
  }
  override get killed(): boolean {
    return false;
  }
  override get result(): Promise<T> {
    return this.#failed ? Promise.reject(this.#value) : Promise.resolve(this.#value as T);
  }
  override wait(): T {
    if (this.#failed) throw this.#value;
    return this.#value as T;
  }
  override kill(): void {}
  override link(cb: (error: unknown, value: T | undefined) => void): void {
    if (this.#failed) cb(this.#value, undefined);
    else cb(undefined, this.#value as T);
  }
}

function printFailure(fn: Function, err: unknown): void {
  process.stderr.write(`greenthread: ${fn.name || 'anonymous'}, run inline by GreenPool.spawnN, failed:\n${(err as Error)?.stack ?? String(err)}\n`);
}

function* zip(iterables: Iterable<unknown>[]): Generator<unknown[]> {
  const its = iterables.map((it) => it[Symbol.iterator]());
  for (;;) {
    const next = its.map((it) => it.next());
    if (next.some((n) => n.done)) return;
    yield next.map((n) => n.value);
  }
}

/**
 * Results of {@link GreenPool.imap}: iterate them with `for...of` in a green
 * thread (each step parks until that result is ready) or `for await` on the hub.
 */
export interface PoolResults<T> extends Iterable<T>, AsyncIterable<T> {}

/**
 * At most `size` green threads at once. In a green thread `spawn` parks while
 * the pool is full; on the hub it returns a Promise of the GreenThread. A
 * failed task frees its slot. A member that spawns into its own full pool
 * runs the task itself, inline, instead of waiting on a slot it holds.
 *
 * @example
 * ```ts
 * const pool = new GreenPool(10)
 * for (const page of pool.imap(fetchPage, urls)) save(page)   // inside a green thread
 * for await (const page of pool.imap(fetchPage, urls)) save(page) // on the hub
 * ```
 */
export class GreenPool extends HubHandle {
  constructor(size = 1000) {
    if (!Number.isInteger(size) || size < 1) throw new GreenArgumentError(`GreenPool(size): size must be a positive integer, got ${String(size)}`);
    super({ k: 'pool', id: createObject('pool', { size }) });
    track(this);
  }

  /**
   * Starts `fn(...args)` in a green thread of the pool. In a green thread it
   * parks while the pool is full and returns the GreenThread; on the hub it
   * returns a Promise of it (the same as {@link GreenPool.spawnAsync}).
   */
  spawn<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): GreenThread<Awaited<R>> | Promise<GreenThread<Awaited<R>>> {
    if (!carrierBackend()) return this.spawnAsync(fn, ...args);
    const { shipped, bytes, handles } = packCall(fn, args);
    const answer = callBlocking(this, 'spawn', [shipped, bytes, handles], 'GreenPool.spawn') as PoolSpawnAnswer;
    if ('id' in answer) return new GreenThread(answer.id, undefined, { fn, shipped });
    try {
      return new FinishedThread(false, fn(...args)) as GreenThread<Awaited<R>>;
    } catch (err) {
      return new FinishedThread(true, err);
    }
  }

  /**
   * Starts `fn(...args)` in a green thread of the pool and forgets it
   * (eventlet's spawn_n): nothing waits for it, so a failure is printed as
   * soon as it happens. Parks while the pool is full. Green threads only.
   *
   * @example
   * ```ts
   * for (;;) pool.spawnN(handle, server.accept())
   * ```
   */
  spawnN<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    if (!carrierBackend()) throw new HubBlockingError('GreenPool.spawnN (use spawnAsync on the hub)');
    const { shipped, bytes, handles } = packCall(fn, args);
    const answer = callBlocking(this, 'spawn', [shipped, bytes, handles, true], 'GreenPool.spawnN') as PoolSpawnAnswer;
    if ('id' in answer) return;
    try {
      const v = fn(...args);
      if (v !== null && typeof (v as PromiseLike<unknown>)?.then === 'function') (v as Promise<unknown>).catch((err) => printFailure(fn, err));
    } catch (err) {
      printFailure(fn, err);
    }
  }

  /** Starts `fn(...args)` in the pool once a slot is free; resolves to its GreenThread. */
  async spawnAsync<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<GreenThread<Awaited<R>>> {
    if (carrierBackend()) return this.spawn(fn, ...args) as GreenThread<Awaited<R>>;
    const { shipped, bytes, handles } = packCall(fn, args);
    // The descriptor is frozen and the arguments already serialized: nothing to copy.
    const answer = (await callAsync(this, 'spawn', [shipped, bytes, handles], true)) as PoolSpawnAnswer;
    const id = (answer as { id: number }).id;
    const hub = getHub();
    const record = hub.handoff.get(id);
    hub.handoff.delete(id);
    return new GreenThread(id, record, { fn, shipped });
  }

  /**
   * `fn` over the items of `iterable` (or over tuples zipped from several
   * iterables, one argument each), at most `size` at a time; results come in
   * input order. An error is thrown when its turn comes, after the results
   * before it.
   */
  imap<R>(fn: (...args: never[]) => R, ...iterables: Iterable<unknown>[]): PoolResults<Awaited<R>> {
    if (iterables.length === 0) throw new GreenArgumentError('GreenPool.imap(fn, iterable) needs at least one iterable');
    const pool = this;
    return {
      *[Symbol.iterator]() {
        if (!carrierBackend()) throw new HubBlockingError('GreenPool.imap iteration (use for await on the hub)');
        const threads: GreenThread<Awaited<R>>[] = [];
        for (const args of zip(iterables)) threads.push(pool.spawn(fn as (...a: unknown[]) => R, ...args) as GreenThread<Awaited<R>>);
        for (const t of threads) yield t.wait();
      },
      async *[Symbol.asyncIterator]() {
        const threads: Promise<GreenThread<Awaited<R>>>[] = [];
        for (const args of zip(iterables)) threads.push(pool.spawnAsync(fn as (...a: unknown[]) => R, ...args));
        for (const t of threads) yield await (await t).result;
      },
    };
  }

  /** Like {@link GreenPool.imap}, but results come as they finish. */
  imapUnordered<R>(fn: (...args: never[]) => R, ...iterables: Iterable<unknown>[]): PoolResults<Awaited<R>> {
    if (iterables.length === 0) throw new GreenArgumentError('GreenPool.imapUnordered(fn, iterable) needs at least one iterable');
    const pool = this;
    return {
      *[Symbol.iterator]() {
        if (!carrierBackend()) throw new HubBlockingError('GreenPool.imapUnordered iteration (use for await on the hub)');
        const pending = new Map<number, GreenThread<Awaited<R>>>();
        const done: GreenThread<Awaited<R>>[] = [];
        for (const args of zip(iterables)) {
          const t = pool.spawn(fn as (...a: unknown[]) => R, ...args) as GreenThread<Awaited<R>>;
          if (t.id < 0) done.push(t);
          else pending.set(t.id, t);
        }
        for (const t of done) yield t.wait();
        while (pending.size > 0) {
          const id = callBlocking(pool, 'waitAny', [[...pending.keys()]], 'GreenPool.imapUnordered') as number;
          const t = pending.get(id)!;
          pending.delete(id);
          yield t.wait();
        }
      },
      async *[Symbol.asyncIterator]() {
        const started = [...zip(iterables)].map((args) => pool.spawnAsync(fn as (...a: unknown[]) => R, ...args));
        const pending = new Map<number, Promise<{ i: number; value: Awaited<R> }>>();
        for (let i = 0; i < started.length; i++) {
          const t = await started[i];
          pending.set(i, t.result.then((value) => ({ i, value })));
        }
        while (pending.size > 0) {
          const { i, value } = await Promise.race(pending.values());
          pending.delete(i);
          yield value;
        }
      },
    };
  }

  /** Parks until every green thread of the pool has ended. Green threads only. */
  waitall(): void {
    callBlocking(this, 'waitall', [], 'GreenPool.waitall');
  }

  /** The awaitable form of {@link GreenPool.waitall}, for the hub. */
  waitallAsync(): Promise<void> {
    return callAsync(this, 'waitall', []) as Promise<void>;
  }

  /** Green threads of the pool running now. */
  get running(): number {
    return callNow(this, 'running') as number;
  }

  /** Slots free now. */
  get free(): number {
    return callNow(this, 'free') as number;
  }

  /** Changes the size; a larger size starts waiting spawns at once. */
  resize(size: number): void {
    callNow(this, 'resize', [size]);
  }
}
registerKind('pool', (ref) => facadeOf(GreenPool, ref));

/**
 * Spawn tasks, then iterate their results in spawn order.
 *
 * @example
 * ```ts
 * const pile = new GreenPile(5)
 * for (const url of urls) pile.spawn(fetchTitle, url)
 * for (const title of pile) console.log(title)        // in a green thread
 * for await (const title of pile) console.log(title)  // on the hub
 * ```
 */
export class GreenPile<T = unknown> implements Iterable<T>, AsyncIterable<T> {
  readonly pool: GreenPool;
  #threads: (GreenThread<T> | Promise<GreenThread<T>>)[] = [];

  constructor(poolOrSize: GreenPool | number = 1000) {
    this.pool = poolOrSize instanceof GreenPool ? poolOrSize : new GreenPool(poolOrSize);
  }

  /** Starts a task in the pile's pool (parking while it is full, in a green thread). */
  spawn<A extends unknown[]>(fn: (...args: A) => T | Promise<T>, ...args: A): void {
    this.#threads.push(this.pool.spawn(fn, ...args) as GreenThread<T> | Promise<GreenThread<T>>);
  }

  *[Symbol.iterator](): Iterator<T> {
    while (this.#threads.length > 0) {
      const t = this.#threads.shift()!;
      if (t instanceof Promise) throw new HubBlockingError('GreenPile iteration (use for await on the hub)');
      yield t.wait();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (this.#threads.length > 0) {
      const t = await this.#threads.shift()!;
      yield await t.result;
    }
  }
}
