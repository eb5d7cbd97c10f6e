/**
 * GreenPool state in the hub: at most `size` member green threads at once.
 * spawn() parks while the pool is full; a member that spawns into its own
 * full pool is told to run the function inline instead (eventlet's rule),
 * since waiting for a slot that it holds itself would never end.
 *
 * Runs on the hub only.
 */
import { GreenArgumentError } from '../../errors.js';
import type { Shipped } from '../../shipping/types.js';
import type { Hub } from '../hub.js';
import type { ThreadRecord } from '../types.js';
import { HubObject, WaitList, type Resolver } from './base.js';
import type { Holds } from './registry.js';

/** What pool.spawn answers: the new green thread's id, or run it yourself. */
export type PoolSpawnAnswer = { id: number } | { inline: true };

interface SpawnWaiter {
  r: Resolver;
  shipped: Shipped;
  args: Uint8Array;
  handles: number[];
  /** spawnN: nobody will wait for it; a failure is printed at once. */
  detached: boolean;
}

export class PoolState extends HubObject {
  #members = new Set<number>();
  #waiting = new WaitList<SpawnWaiter>();
  #idleWaiters = new WaitList<{ r: Resolver }>();

  constructor(
    id: number,
    private size: number,
    private readonly hub: Hub,
    private readonly holds: Holds,
  ) {
    super(id);
  }

  #start(w: SpawnWaiter): void {
    const parent = w.r.caller?.id;
    const t = this.hub.spawn(w.shipped, w.args, { parent, handles: w.handles, detached: w.detached });
    this.#members.add(t.id);
    // A caller on the hub gets a handle backed by the record itself, which outlives the hub's table.
    if (!w.r.caller) this.hub.handoff.set(t.id, t);
    this.hub.onceEnded(t, () => this.#ended(t));
    w.r.ok({ id: t.id } satisfies PoolSpawnAnswer);
  }

  #ended(t: ThreadRecord): void {
    // A failed task frees its slot like any other.
    this.#members.delete(t.id);
    this.#fill();
    if (this.#members.size === 0) for (const w of this.#idleWaiters.all()) w.r.ok();
  }

  #fill(): void {
    while (this.#members.size < this.size) {
      const next = this.#waiting.shift();
      if (!next) return;
      this.#start(next);
    }
  }

  call(method: string, args: unknown[], r: Resolver): void {
    switch (method) {
      case 'spawn': {
        const [shipped, bytes, handles, detached = false] = args as [Shipped, Uint8Array, number[], boolean?];
        // The arguments' handles are held for the task from now on, however long it waits for a slot;
        // sockets among them are the task's now, so the caller ending meanwhile does not close them.
        this.holds.keepIds(handles);
        if (r.caller) this.holds.handedOver(handles, r.caller.id);
        const w: SpawnWaiter = { r, shipped, args: bytes, handles, detached: detached === true };
        if (this.#members.size < this.size && this.#waiting.length === 0) return this.#start(w);
        if (r.caller && this.#members.has(r.caller.id)) {
          this.holds.dropIds(handles);
          return r.ok({ inline: true } satisfies PoolSpawnAnswer);
        }
        this.#waiting.push(w, undefined, () => {});
        r.onCancel(() => this.holds.dropIds(handles));
        return;
      }
      case 'waitall':
        if (this.#members.size === 0 && this.#waiting.length === 0) return r.ok();
        this.#idleWaiters.push({ r }, undefined, () => {});
        return;
      case 'waitAny': {
        // The first of these green threads to end (for imapUnordered).
        const ids = args[0] as number[];
        const live = ids.map((id) => this.hub.threads.get(id));
        const ended = ids.find((_, i) => !live[i]);
        if (ended !== undefined) return r.ok(ended);
        for (const t of live) this.hub.onceEnded(t!, () => !r.done && r.ok(t!.id));
        return;
      }
      case 'running':
        return r.ok(this.#members.size);
      case 'free':
        return r.ok(Math.max(0, this.size - this.#members.size));
      case 'waiting':
        return r.ok(this.#waiting.length);
      case 'resize': {
        const n = args[0];
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new GreenArgumentError(`GreenPool.resize(n): n must be a positive integer, got ${String(n)}`);
        this.size = n;
        this.#fill();
        return r.ok();
      }
    }
    this.unknown(method);
  }
}
