/**
 * Objects that live in the hub (Event, Semaphore, Queue, GreenPool state):
 * the base class, the resolver a method settles, and the waits they queue.
 *
 * A method either answers at once or keeps the resolver in a FIFO wait list
 * and answers when another call (set, release, put) wakes it. A waiter that
 * goes away first (its green thread was killed or timed out) is removed by
 * the undo it registered, so a later wake-up never lands on it.
 *
 * Runs on the hub only.
 */
import { GreenArgumentError } from '../../errors.js';
import type { ThreadRecord } from '../types.js';

export interface Resolver {
  /** Answers the call; markers in `value` are delivered with a reference each. */
  ok(value?: unknown): void;
  fail(error: unknown): void;
  /** `undo` runs if the caller goes away before the answer. */
  onCancel(undo: () => void): void;
  /** The calling green thread; undefined for a call made on the hub. */
  readonly caller: ThreadRecord | undefined;
  /** True once answered or gone. */
  readonly done: boolean;
}

export abstract class HubObject {
  /** References held by facades, stored values and deliveries; freed at 0. */
  refs = 1;
  /**
   * For objects that belong to green threads (sockets, servers): the ids of
   * the green threads it was delivered to that have not ended. When the last
   * one ends, `ownersGone` runs, without waiting for their facades to be
   * collected. Undefined for objects that live by references alone.
   */
  owners: Set<number> | undefined;
  constructor(readonly id: number) {}
  abstract call(method: string, args: unknown[], r: Resolver): void;
  /** Called when the object is freed: release what it stores. */
  dispose(): void {}
  /** Every green thread in `owners` has ended. */
  ownersGone(): void {}
  protected unknown(method: string): never {
    throw new GreenArgumentError(`${this.constructor.name} has no method '${method}'`);
  }
}

/** A FIFO of waiting resolvers; entries leave when answered, cancelled or timed out. */
export class WaitList<T extends { r: Resolver }> {
  #items: T[] = [];

  get length(): number {
    return this.#items.length;
  }

  /**
   * Queues `w`. With a timeout (ms >= 0), `onTimeout` answers it when the time
   * runs out first; a timeout of 0 answers at once when nothing is available.
   */
  push(w: T, timeout: number | undefined, onTimeout: (w: T) => void): void {
    this.#items.push(w);
    let timer: NodeJS.Timeout | undefined;
    const remove = () => {
      clearTimeout(timer);
      const i = this.#items.indexOf(w);
      if (i >= 0) this.#items.splice(i, 1);
    };
    w.r.onCancel(remove);
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        remove();
        if (!w.r.done) onTimeout(w);
      }, timeout);
    }
    (w as T & { remove?: () => void }).remove = remove;
  }

  /** The first waiter still waiting, removed from the list. */
  shift(): T | undefined {
    for (;;) {
      const w = this.#items[0];
      if (!w) return undefined;
      (w as T & { remove?: () => void }).remove?.();
      if (!w.r.done) return w;
    }
  }

  all(): T[] {
    const items = this.#items.splice(0);
    return items.filter((w) => {
      (w as T & { remove?: () => void }).remove?.();
      return !w.r.done;
    });
  }
}

/** A timeout argument in milliseconds: undefined or null waits forever. */
export function timeoutArg(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= 0)) throw new GreenArgumentError(`${what}: timeout must be a number of milliseconds >= 0, got ${String(v)}`);
  return Math.min(v, 2 ** 31 - 1);
}
