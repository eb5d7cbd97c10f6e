/**
 * The hub's table of hub objects, their reference counts, and the two ways
 * to call them: from a parked green thread (OBJ_NEW / OBJ_CALL requests) and
 * from code on the hub (a Promise).
 *
 * Runs on the hub only.
 */
import { Op } from '../../channel/ops.js';
import { GreenArgumentError } from '../../errors.js';
import { collect, revive, setReleaseSink } from '../../sync/handles.js';
import type { Hub } from '../hub.js';
import type { HubRequest } from '../types.js';
import type { HubObject, Resolver } from './base.js';
import { CallbackState } from './callback.js';
import { EventState } from './event.js';
import { PoolState } from './pool.js';
import { QueueState } from './queue.js';
import { SemaphoreState } from './semaphore.js';

/** Reference accounting for values that hold handles. */
export interface Holds {
  release(id: number, refs: number): void;
  keep(value: unknown): void;
  drop(value: unknown): void;
  keepIds(ids: number[]): void;
  dropIds(ids: number[]): void;
  delivered(ids: readonly number[], threadId: number): void;
  handedOver(ids: readonly number[], fromThreadId: number): void;
  threadEnded(threadId: number): void;
}

export class HubObjects implements Holds {
  readonly #table = new Map<number, HubObject>();
  /** Objects with owners, by the green thread that owns them. */
  readonly #ownedBy = new Map<number, Set<HubObject>>();
  #nextId = 1;

  constructor(private readonly hub: Hub) {
    setReleaseSink((id, refs) => this.release(id, refs));
    hub.registerOp(Op.OBJ_NEW, (req) => {
      const [kind, options] = req.arg as [string, unknown];
      const id = this.create(kind, options);
      // Its one reference belongs to the facade in that carrier.
      if (this.hub.reply(req, id)) this.hub.credit(req.carrier, [id]);
      else this.release(id, 1);
    });
    hub.registerOp(Op.OBJ_CALL, (req) => {
      const [id, method, args] = req.arg as [number, string, unknown[]];
      this.callFor(req, id, method, args);
    });
  }

  /** Calls object `id`'s `method` for a parked green thread's request, which the call answers. */
  callFor(req: HubRequest, id: number, method: string, args: unknown[]): void {
    this.#object(id).call(method, args, this.#requestResolver(req));
  }

  /** Creates an object owned by one reference (its first facade); returns its id. */
  create(kind: string, options: unknown): number {
    const id = this.#nextId++;
    const o = options as { n?: number; maxsize?: number; size?: number } | undefined;
    let obj: HubObject;
    switch (kind) {
      case 'event':
        obj = new EventState(id, this);
        break;
      case 'semaphore':
      case 'bounded-semaphore':
        obj = new SemaphoreState(id, o!.n!, kind === 'bounded-semaphore');
        break;
      case 'lock':
        obj = new SemaphoreState(id, 1, true, true);
        break;
      case 'queue':
        obj = new QueueState(id, o!.maxsize!, this);
        break;
      case 'pool':
        obj = new PoolState(id, o!.size!, this.hub, this);
        break;
      default:
        throw new GreenArgumentError(`unknown kind of hub object '${kind}'`);
    }
    this.#table.set(id, obj);
    return id;
  }

  /** Adds an object made elsewhere (a socket, a server), owned by one reference; returns its id. */
  insert(make: (id: number) => HubObject): number {
    const id = this.#nextId++;
    this.#table.set(id, make(id));
    return id;
  }

  /** Registers a function of the hub that green threads call (./callback.ts); returns its id. */
  insertFunction(fn: Function): number {
    return this.insert((id) => new CallbackState(id, fn));
  }

  /** The function registered as `id`, if it still is. */
  functionOf(id: number): Function | undefined {
    const obj = this.#table.get(id);
    return obj instanceof CallbackState ? obj.fn : undefined;
  }

  get(id: number): HubObject | undefined {
    return this.#table.get(id);
  }

  /** References to `ids` reached green thread `threadId`: it becomes an owner of those that have owners. */
  delivered(ids: readonly number[], threadId: number): void {
    for (const id of ids) {
      const obj = this.#table.get(id);
      if (!obj?.owners || obj.owners.has(threadId)) continue;
      obj.owners.add(threadId);
      let mine = this.#ownedBy.get(threadId);
      if (!mine) this.#ownedBy.set(threadId, (mine = new Set()));
      mine.add(obj);
    }
  }

  /**
   * Green thread `fromThreadId` passed `ids` to a green thread it started:
   * it stops owning them (as a forking server closes its copy of the
   * connection), so they close with the new thread. Nothing closes here.
   */
  handedOver(ids: readonly number[], fromThreadId: number): void {
    const mine = this.#ownedBy.get(fromThreadId);
    if (!mine) return;
    for (const id of ids) {
      const obj = this.#table.get(id);
      if (!obj?.owners?.delete(fromThreadId)) continue;
      mine.delete(obj);
    }
  }

  /** Green thread `threadId` ended: objects it was the last owner of are told so. */
  threadEnded(threadId: number): void {
    const mine = this.#ownedBy.get(threadId);
    if (!mine) return;
    this.#ownedBy.delete(threadId);
    for (const obj of mine) {
      obj.owners!.delete(threadId);
      if (obj.owners!.size === 0) obj.ownersGone();
    }
  }

  /** Live objects, for tests and diagnostics. */
  get size(): number {
    return this.#table.size;
  }

  #object(id: number): HubObject {
    const obj = this.#table.get(id);
    if (!obj) {
      throw new GreenArgumentError(
        `hub object ${id} no longer exists: every reference to it was released. ` +
          `Keep the Event, Queue or pool itself (not a copy of its fields) while you use it.`,
      );
    }
    return obj;
  }

  // ---- references ----

  keepIds(ids: number[]): void {
    for (const id of ids) {
      const obj = this.#table.get(id);
      if (obj) obj.refs++;
    }
  }

  dropIds(ids: number[]): void {
    for (const id of ids) this.release(id, 1);
  }

  keep(value: unknown): void {
    if (value !== null && typeof value === 'object') this.keepIds(collect(value));
  }

  drop(value: unknown): void {
    if (value !== null && typeof value === 'object') this.dropIds(collect(value));
  }

  release(id: number, refs: number): void {
    const obj = this.#table.get(id);
    if (!obj) return;
    obj.refs -= refs;
    if (obj.refs <= 0) {
      this.#table.delete(id);
      if (obj.owners) for (const tid of obj.owners) this.#ownedBy.get(tid)?.delete(obj);
      obj.dispose();
    }
  }

  // ---- calls ----

  #requestResolver(req: HubRequest): Resolver {
    const hub = this.hub;
    return {
      caller: req.thread,
      get done() {
        return req.settled;
      },
      ok(value?: unknown) {
        hub.replyHolding(req, value, value !== null && typeof value === 'object' ? collect(value) : undefined);
      },
      fail(error: unknown) {
        hub.fail(req, error);
      },
      onCancel(undo: () => void) {
        const previous = req.cancel;
        req.cancel = () => {
          previous?.();
          undo();
        };
      },
    };
  }

  /**
   * A resolver for a call made on the hub: answered once; the value arrives as
   * a copy, as a green thread gets it (hub values are never shared by
   * reference), its handles revived with a reference each.
   */
  #hubResolver(onOk: (value: unknown) => void, onFail: (error: unknown) => void): Resolver {
    let done = false;
    const holds = this;
    return {
      caller: undefined,
      get done() {
        return done;
      },
      ok(value?: unknown) {
        if (done) return;
        done = true;
        holds.keep(value);
        onOk(value !== null && typeof value === 'object' ? revive(structuredClone(value)) : value);
      },
      fail(error: unknown) {
        if (done) return;
        done = true;
        onFail(error);
      },
      onCancel() {
        // A call on the hub is never cancelled.
      },
    };
  }

  /** Calls a method that answers at once (set, release, size) from code on the hub. */
  callSync(id: number, method: string, args: unknown[]): unknown {
    let answer: { value: unknown } | { error: unknown } | undefined;
    const r = this.#hubResolver(
      (value) => (answer = { value }),
      (error) => (answer = { error }),
    );
    this.#object(id).call(method, structuredClone(args), r);
    if (!answer) throw new GreenArgumentError(`${method}() would block, and this is the hub: use its Async form`);
    if ('error' in answer) throw answer.error;
    return answer.value;
  }

  /**
   * Calls a method from code on the hub; the Promise settles with its answer.
   * Arguments are copied, as a green thread's would be, unless `copied` says
   * they already are (plain data made for this call).
   */
  callAsync(id: number, method: string, args: unknown[], copied = false): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const r = this.#hubResolver(resolve, reject);
      try {
        this.#object(id).call(method, copied ? args : structuredClone(args), r);
      } catch (err) {
        r.fail(err);
      }
    });
  }
}
