/**
 * Queue state in the hub: FIFO items, bounded by maxsize; get() parks while
 * empty, put() while full. An item goes to exactly one getter: a getter that
 * timed out or was killed has left the wait list before any item can reach it.
 *
 * Runs on the hub only.
 */
import { GreenArgumentError, QueueEmptyError, QueueFullError } from '../../errors.js';
import { HubObject, timeoutArg, WaitList, type Resolver } from './base.js';
import type { Holds } from './registry.js';

export class QueueState extends HubObject {
  #items: unknown[] = [];
  #getters = new WaitList<{ r: Resolver }>();
  #putters = new WaitList<{ r: Resolver; item: unknown }>();
  #joiners = new WaitList<{ r: Resolver }>();
  #unfinished = 0;

  constructor(
    id: number,
    private readonly maxsize: number,
    private readonly holds: Holds,
  ) {
    super(id);
  }

  /** Hands `item` (held by the queue) to a getter: delivered with its own references, then the queue's are dropped. */
  #deliver(r: Resolver, item: unknown): void {
    r.ok(item);
    this.holds.drop(item);
  }

  call(method: string, args: unknown[], r: Resolver): void {
    switch (method) {
      case 'put': {
        const [item, timeoutMs] = args;
        const timeout = timeoutArg(timeoutMs, 'Queue.put');
        this.holds.keep(item);
        this.#unfinished++;
        const getter = this.#getters.shift();
        if (getter) {
          this.#deliver(getter.r, item);
          return r.ok();
        }
        if (this.#items.length < this.maxsize) {
          this.#items.push(item);
          return r.ok();
        }
        const full = () => {
          this.#unfinished--;
          this.holds.drop(item);
          r.fail(new QueueFullError(`Queue.put: the queue stayed full (maxsize ${this.maxsize})${timeout ? ` for ${timeout} ms` : ''}`));
        };
        if (timeout === 0) return full();
        this.#putters.push({ r, item }, timeout, full);
        return;
      }
      case 'get': {
        const timeout = timeoutArg(args[0], 'Queue.get');
        if (this.#items.length > 0) {
          const item = this.#items.shift();
          const putter = this.#putters.shift();
          if (putter) {
            this.#items.push(putter.item);
            putter.r.ok();
          }
          return this.#deliver(r, item);
        }
        // An unbounded or zero-size handoff: a waiting putter hands its item straight over.
        const putter = this.#putters.shift();
        if (putter) {
          putter.r.ok();
          return this.#deliver(r, putter.item);
        }
        const empty = () => r.fail(new QueueEmptyError(`Queue.get: nothing arrived${timeout ? ` within ${timeout} ms` : ''}`));
        if (timeout === 0) return empty();
        this.#getters.push({ r }, timeout, empty);
        return;
      }
      case 'size':
        return r.ok(this.#items.length);
      case 'full':
        return r.ok(this.#items.length >= this.maxsize);
      case 'maxsize':
        return r.ok(this.maxsize);
      case 'taskDone':
        if (this.#unfinished <= 0) throw new GreenArgumentError('Queue.taskDone() called more times than there were items put');
        if (--this.#unfinished === 0) for (const j of this.#joiners.all()) j.r.ok();
        return r.ok();
      case 'join':
        if (this.#unfinished === 0) return r.ok();
        this.#joiners.push({ r }, undefined, () => {});
        return;
    }
    this.unknown(method);
  }

  override dispose(): void {
    for (const item of this.#items) this.holds.drop(item);
    this.#items = [];
  }
}
