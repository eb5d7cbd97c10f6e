/**
 * Queue: items passed between green threads on any carriers and the hub.
 *
 * Runs on every thread.
 */
import { GreenArgumentError } from '../errors.js';
import { callAsync, callBlocking, callNow, createObject } from './call.js';
import { facadeOf, HubHandle, registerKind, track } from './handles.js';

/**
 * A FIFO queue that lives in the hub. Items are copied (structured clone);
 * hub objects in them (an Event, another Queue) arrive as working handles.
 * `maxsize` bounds it (put parks while full); 0 makes every put wait for a
 * get (a rendezvous).
 *
 * @example
 * ```ts
 * const jobs = new Queue<number>(100)
 * spawn((q) => { for (;;) handle(q.get()) }, jobs)
 * jobs.put(42)                 // in a green thread; on the hub: await jobs.putAsync(42)
 * ```
 */
export class Queue<T = unknown> extends HubHandle {
  constructor(maxsize = Infinity) {
    if (typeof maxsize !== 'number' || !(maxsize === Infinity || (Number.isInteger(maxsize) && maxsize >= 0))) {
      throw new GreenArgumentError(`Queue(maxsize): maxsize must be an integer >= 0, or Infinity, got ${String(maxsize)}`);
    }
    super({ k: 'queue', id: createObject('queue', { maxsize }) });
    track(this);
  }

  /**
   * Adds an item, parking while the queue is full. With `timeout` (ms), throws
   * QueueFullError when it stays full that long. Green threads only.
   */
  put(item: T, timeout?: number): void {
    callBlocking(this, 'put', [item, timeout], 'Queue.put');
  }

  /** The awaitable form of {@link Queue.put}, for the hub. */
  putAsync(item: T, timeout?: number): Promise<void> {
    return callAsync(this, 'put', [item, timeout]) as Promise<void>;
  }

  /**
   * Takes the oldest item, parking while the queue is empty. With `timeout`
   * (ms), throws QueueEmptyError when nothing arrives in time; a get that timed
   * out never takes a later item. Green threads only.
   */
  get(timeout?: number): T {
    return callBlocking(this, 'get', [timeout], 'Queue.get') as T;
  }

  /** The awaitable form of {@link Queue.get}, for the hub. */
  getAsync(timeout?: number): Promise<T> {
    return callAsync(this, 'get', [timeout]) as Promise<T>;
  }

  /** Items waiting now. */
  get size(): number {
    return callNow(this, 'size') as number;
  }

  empty(): boolean {
    return this.size === 0;
  }

  full(): boolean {
    return callNow(this, 'full') as boolean;
  }

  /** Marks one item taken with get() as processed (see join). */
  taskDone(): void {
    callNow(this, 'taskDone');
  }

  /** Parks until every item put has been marked done with taskDone(). Green threads only. */
  join(): void {
    callBlocking(this, 'join', [], 'Queue.join');
  }

  /** The awaitable form of {@link Queue.join}, for the hub. */
  joinAsync(): Promise<void> {
    return callAsync(this, 'join', []) as Promise<void>;
  }
}
registerKind('queue', (ref) => facadeOf(Queue, ref));
