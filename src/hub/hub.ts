/**
 * The hub: the event loop of the thread that is not a carrier (normally the
 * main thread). It owns the carrier pool and every green thread's record,
 * serves the requests of parked green threads, and never blocks.
 *
 * Requests arrive through the doorbell: one `Atomics.waitAsync` on a shared
 * counter that carriers bump after setting their pending bit. Each wake-up
 * takes every set bit, so a burst of requests costs one wake-up.
 *
 * Runs on the hub only.
 */
import os from 'node:os';
import path from 'node:path';
import {
  BELL,
  doorbellBytes,
  doorbellCapacity,
  F64_REQ,
  F64_RESP,
  OP_TRACED,
  REQ_KIND,
  REQ_LEN,
  REQ_OP,
  REQ_SEQ,
  RESP_KIND,
  RESP_LEN,
  RESP_SEQ,
  RESP_STATUS,
  PENDING_START,
  STATUS_ERROR,
  STATUS_KILLED,
  STATUS_OK,
  STATUS_TIMEOUT,
} from '../channel/layout.js';
import type { CarrierMessage, MainEntry, Outcome } from '../channel/messages.js';
import { Op } from '../channel/ops.js';
import {
  CarrierDiedError,
  errorToWire,
  GreenArgumentError,
  GreenProtocolError,
  GreenThreadExit,
} from '../errors.js';
import type { Shipped } from '../shipping/types.js';
import { CarrierRef } from './carriers.js';
import { defaultOptions, resolveOptions, type GreenOptions, type ResolvedOptions } from './config.js';
import type { EarlyCarrier } from './early-carrier.js';
import type { HubRequest, OpHandler, ThreadRecord } from './types.js';
import { unpackOutcome as unpack, type Unpacked } from '../channel/outcome.js';
import { revive } from '../sync/handles.js';
import type { Holds } from './objects/registry.js';
import type { PatchOptions } from '../patches/monkey-patch.js';
import { unionPatches } from '../patches/options.js';
import * as diag from './diagnostics.js';
import * as observe from './observe.js';
import { prewarmSpawner } from './spawner.js';

const CORES = os.availableParallelism();
/** Carriers starting at once, at most: a start is CPU work, so about one per core. */
const START_CONCURRENCY = Math.max(2, CORES);
/**
 * Queued green threads get one more carrier once no green thread has ended
 * for this long, then twice as long (see #starved). While every core really
 * computes, the wait is STARVED_COMPUTING_MS: a new carrier costs its start
 * and a load of every library its green threads import (typescript: half a
 * second of a core), taken from the green threads already computing, and
 * with a shorter wait a burst of CPU-bound jobs whose first runs load a big
 * library (no job ends for most of a second) started carriers that loaded it
 * again and finished later (BENCHMARKS.md, "legacy"). While cores are only
 * held by young parks (a server whose handlers wait on short children: its
 * green threads never end), the wait is STARVED_MS: a carrier more lets one
 * more of them wait at once, and the cores are free for it.
 */
const STARVED_MS = 250;
const STARVED_COMPUTING_MS = 1000;
/**
 * A parked green thread holds its core, for the start of a new carrier, as
 * long as a carrier takes to start (measured, see #parkGrace), within these
 * bounds: a park that ends sooner would not have been helped by one.
 */
const PARK_GRACE_MIN_MS = 10;
const PARK_GRACE_MAX_MS = 250;
/**
 * Parks that wait for other green threads (a join, an Event, a Queue, a
 * Semaphore or Lock) free their core at once, with no grace: what they wait
 * for may be a queued green thread that needs that core (the app that spawns
 * twenty jobs and joins them), and no carrier start is saved by waiting.
 */
const WAITS_ON_GREEN_THREADS: ReadonlySet<number> = new Set([Op.WAIT, Op.OBJ_CALL]);
/** How long a count of computing carriers is trusted before it is taken again. */
const COMPUTING_TTL_MS = 2;
/** How often a queue with no carrier coming is looked at again. */
const QUEUE_CHECK_MS = 20;

/** After this many carriers in a row fail to start, queued green threads fail instead of waiting. */
const MAX_START_FAILURES = 3;
/** Ended children kept per live spawner for a later wait() (see #end). */
const KEPT_ENDED_CHILDREN = 10_000;

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(bits: number): number {
  return 31 - Math.clz32(bits & -bits);
}

/** How often the hub looks for requests whose doorbell bit was lost. */
const UNRUNG_SWEEP_MS = 1000;

export class Hub {
  options: ResolvedOptions = defaultOptions();
  argv: string[] | undefined;
  readonly threads = new Map<number, ThreadRecord>();
  readonly ops = new Map<number, OpHandler>();
  /**
   * Outcomes of ended green threads that were spawned by a green thread, kept
   * while their spawner lives so that it can still wait() on them or link()
   * them. Threads spawned on the hub need no entry: the hub's handle holds
   * the record itself.
   */
  readonly ended = new Map<number, Outcome>();
  /** Outcomes that hold handles release them when nobody can read the outcome any more. */
  #outcomeHolds = new FinalizationRegistry<number[]>((ids) => this.holds?.dropIds(ids));
  #endedByParent = new Map<number, Set<number>>();

  #started = false;
  #nextId = 1;

  /** Whether `id` names a green thread this hub started: one it no longer knows has ended. */
  hasIssued(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.#nextId;
  }
  #carriers: (CarrierRef | undefined)[] = [];
  #freeIndexes: number[] = [];
  #idle: CarrierRef[] = [];
  /** Carriers started and not yet exited. */
  #carrierCount = 0;
  #starting = 0;
  #startFailures = 0;
  #queue: ThreadRecord[] = [];
  #capWarned = false;
  #live = 0;
  #keepAlive: NodeJS.Timeout | undefined;
  /** Live green threads that do not keep the process alive (Backend.holdsProcess). */
  readonly #notHolding = new Set<number>();

  /** The process stays while a green thread that holds it lives. */
  #holdProcess(): void {
    if (this.#live > this.#notHolding.size) this.#keepAlive!.ref();
    else this.#keepAlive!.unref();
  }

  #doorbell!: SharedArrayBuffer;
  #bell!: Int32Array;
  /**
   * Requests are served once the ops are registered (openDispatch): the
   * first carrier may start before they are, so that its start overlaps
   * the loading of the rest of the hub (see run-main.ts).
   */
  #dispatching = false;
  /** A carrier has come up: the process has started, and the spawner may start too. */
  #anyReady = false;

  /** Calls served for patched modules: proof that a patch was hit, for tests and diagnostics. */
  readonly counters = { childProcesses: 0, dnsQueries: 0, unrungRequests: 0 };

  /** monkeyPatch() options of this process (a union), and how often they grew. */
  patches: PatchOptions | undefined;
  patchVersion = 0;

  /** Adds monkeyPatch() options: new carriers start with them, running ones apply them before their next green thread. */
  addPatches(options: PatchOptions): void {
    const before = JSON.stringify(this.patches ?? {});
    const union = unionPatches(this.patches, options);
    if (JSON.stringify(union) !== before) {
      this.patches = union;
      this.patchVersion++;
      diag.patched(union, this.patchVersion);
    }
    // Green threads will start children: fork the spawner while this process is small
    // (once the first carrier is up, so that it does not slow that carrier's start).
    if (union.childProcess && this.#anyReady) prewarmSpawner();
  }

  configure(opts: GreenOptions): void {
    const next = resolveOptions(this.options, opts);
    // The doorbell was sized for the cap when the hub started (one bit per carrier).
    const capacity = this.#started ? doorbellCapacity(this.#bell) : Infinity;
    if (next.maxCarriers > capacity) {
      throw new GreenArgumentError(
        `options.maxCarriers can be raised to at most ${capacity} once green threads have started; ` +
          `call configure() before the first spawn to go higher`,
      );
    }
    this.options = next;
    observe.configured(this);
    if (this.#started) {
      // Idle carriers follow a new idleTimeout or warm minimum from now on.
      for (const c of this.#idle) this.#armRetire(c);
      this.#fill();
    }
  }

  /**
   * Starts the hub and its first carrier now: spawn calls this before it
   * describes a new function (tens of milliseconds the first time), so the
   * carrier's start overlaps that work instead of following it.
   */
  warm(): void {
    this.#start();
  }

  get started(): boolean {
    return this.#started;
  }

  /** Counts for diagnostics and tests. */
  stats(): {
    carriers: number;
    idle: number;
    starting: number;
    queued: number;
    live: number;
    childProcesses: number;
    dnsQueries: number;
    unrungRequests: number;
  } {
    return {
      childProcesses: this.counters.childProcesses,
      dnsQueries: this.counters.dnsQueries,
      unrungRequests: this.counters.unrungRequests,
      carriers: this.#carrierCount,
      idle: this.#idle.length,
      starting: this.#starting,
      queued: this.#queue.length,
      live: this.#live,
    };
  }

  /**
   * @internal `greenthread run`'s carrier for the application, started
   * before the hub loaded (early-carrier.ts): it becomes the first carrier
   * if it got what the hub would give one (doorbell size, argv, patches);
   * otherwise it is ended and a carrier is started as usual.
   */
  adoptEarlyCarrier(early: EarlyCarrier): void {
    this.#early = early;
  }
  #early: EarlyCarrier | undefined;

  /** The early carrier, if it can serve as carrier `index` of this hub; ends it otherwise. */
  #takeEarly(index: number): EarlyCarrier | undefined {
    const early = this.#early;
    this.#early = undefined;
    if (!early) return undefined;
    const fits =
      index === 0 &&
      early.doorbell === this.#doorbell &&
      JSON.stringify(early.argv) === JSON.stringify(this.argv) &&
      JSON.stringify(early.patches ?? {}) === JSON.stringify(this.patches ?? {});
    if (fits) return early;
    early.handOver();
    // Ended unused: whatever it still reports must not reach the process as an unhandled 'error'.
    early.worker.worker.on('error', () => {});
    void early.worker.worker.terminate();
    return undefined;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    // One pending bit per carrier up to the cap, rounded up to whole words
    // (the early carrier's, when it was sized for this cap).
    const bytes = doorbellBytes(Math.max(32, this.options.maxCarriers));
    this.#doorbell = this.#early?.doorbell.byteLength === bytes ? this.#early.doorbell : new SharedArrayBuffer(bytes);
    this.#bell = new Int32Array(this.#doorbell);
    this.#keepAlive = setInterval(() => {}, 2 ** 31 - 1);
    this.#keepAlive.unref();
    setInterval(this.#sweepUnrung, UNRUNG_SWEEP_MS).unref();
    if (this.#dispatching) this.#armBell();
    this.#fill();
    observe.started(this);
  }

  // ---------------------------------------------------------------- doorbell

  /** Starts serving requests (once every op is registered), including any already posted. */
  openDispatch(): void {
    if (this.#dispatching) return;
    this.#dispatching = true;
    if (this.#started) this.#onBell();
  }

  /** Sleeps (without blocking) until the bell moves past `seen`. */
  #armBell(seen = Atomics.load(this.#bell, BELL)): void {
    const res = Atomics.waitAsync(this.#bell, BELL, seen);
    if (res.async) res.value.then(this.#onBell);
    else queueMicrotask(this.#onBell);
  }

  #onBell = (): void => {
    // Read the bell before draining: a ring during the drain re-arms at once.
    const seen = Atomics.load(this.#bell, BELL);
    this.#drain();
    this.#armBell(seen);
  };

  /**
   * Takes every pending bit and serves those carriers. Any bit may be set by
   * a carrier that misbehaves: one that names no live carrier is skipped, and
   * one on a carrier with nothing new is a replay that #accept drops.
   */
  #drain(): void {
    const bell = this.#bell;
    for (let w = PENDING_START; w < bell.length; w++) {
      if (Atomics.load(bell, w) === 0) continue;
      let bits = Atomics.exchange(bell, w, 0);
      const base = (w - PENDING_START) << 5;
      while (bits !== 0) {
        const carrier = this.#carriers[base + lowestBit(bits)];
        bits &= bits - 1;
        if (carrier && carrier.state !== 'dead') this.#accept(carrier);
      }
    }
  }

  /**
   * The doorbell is shared by every carrier, so a carrier that scribbles on
   * it can clear another's pending bit. Nothing honest ever does, but the
   * cost of it would be a green thread parked forever; a slow sweep finds a
   * request posted without its bit (seen unchanged on two sweeps in a row,
   * so one whose bit is just being set is never counted), serves it, and
   * says so once.
   */
  #sweepUnrung = (): void => {
    if (!this.#dispatching) return;
    for (const carrier of this.#carriers) {
      if (!carrier || carrier.state === 'dead' || !carrier.thread) continue;
      const seq = Atomics.load(carrier.view.i32, REQ_SEQ);
      // A new seq while one is pending is unrung too (a carrier that broke the
      // protocol): #accept rejects it, and its green thread is not left waiting.
      if (seq === carrier.lastSeq) {
        carrier.unrungSeq = undefined;
        continue;
      }
      if (carrier.unrungSeq !== seq) {
        carrier.unrungSeq = seq;
        continue;
      }
      carrier.unrungSeq = undefined;
      this.counters.unrungRequests++;
      if (this.counters.unrungRequests === 1) {
        process.emitWarning(
          `greenthread: carrier ${carrier.index} posted a request whose doorbell bit was lost (something wrote over the doorbell); served it late`,
          { code: 'ERR_GREEN_PROTOCOL' },
        );
      }
      this.#accept(carrier);
    }
  };

  /** Validates and dispatches the request a carrier just posted. */
  #accept(carrier: CarrierRef): void {
    const i32 = carrier.view.i32;
    const seq = Atomics.load(i32, REQ_SEQ);
    if (seq === carrier.lastSeq) return; // a replayed ring: already served
    const thread = carrier.thread;
    const expected = (carrier.lastSeq + 1) | 0;
    carrier.lastSeq = seq;
    const reject = (msg: string) => {
      // The carrier broke the protocol: whatever it had pending is cancelled
      // (its late reply would land on top of this one), and the carrier is
      // not reused after this green thread, whose channel state is unknown.
      const pending = carrier.pending;
      if (pending && !pending.settled) {
        pending.cancel?.();
        pending.settled = true;
        carrier.pending = undefined;
      }
      carrier.broken = true;
      const req = this.#request(carrier, thread!, seq, 0, 0, undefined);
      this.fail(req, new GreenProtocolError(msg));
    };
    if (!thread) {
      // Nobody is parked there to answer; nothing to reply to.
      process.emitWarning(`greenthread: request from idle carrier ${carrier.index} ignored`, { code: 'ERR_GREEN_PROTOCOL' });
      return;
    }
    if (seq !== expected) return reject(`request sequence ${seq} out of order (expected ${expected})`);
    if (carrier.pending && !carrier.pending.settled) return reject('a second request while one is pending');
    const traced = i32[REQ_OP];
    const op = traced & ~OP_TRACED;
    const handler = this.ops.get(op);
    if (!handler) return reject(`unknown op code ${op}`);
    let arg: unknown;
    try {
      arg = carrier.view.readValue(REQ_LEN, REQ_KIND, carrier.port);
    } catch (err) {
      return reject(`malformed request payload: ${(err as Error).message}`);
    }
    const req = this.#request(carrier, thread, seq, op, carrier.view.f64[F64_REQ], arg);
    carrier.pending = req;
    if (traced !== op) diag.tracedRequest(req, carrier.port);
    diag.parked(req);
    // Cancelling a timeout first drops it if it fired unseen: it must not
    // come back as the answer to its own cancel. Other interrupts stay queued.
    if (op === Op.TIMEOUT_CANCEL) {
      const i = thread.interrupts.findIndex((x) => x.status === STATUS_TIMEOUT && x.value === req.num);
      if (i >= 0) thread.interrupts.splice(i, 1);
    }
    const interrupt = thread.interrupts.shift();
    if (interrupt) {
      this.#settle(req, interrupt.status, interrupt.value);
      return;
    }
    try {
      handler(req);
    } catch (err) {
      this.fail(req, err);
    }
    // A green thread that parks frees its core: a queued one may start now.
    if (!req.settled) {
      this.#computingCache = -1;
      if (this.#queue.length > 0) this.#fill();
    }
  }

  #request(carrier: CarrierRef, thread: ThreadRecord, seq: number, op: number, num: number, arg: unknown): HubRequest {
    return { carrier, thread, seq, op, num, arg, settled: false, cancel: undefined, at: performance.now() };
  }

  // ---------------------------------------------------------------- replies

  /** Wakes the parked green thread with `value`. False if the request was already settled (late reply). */
  reply(req: HubRequest, value?: unknown): boolean {
    return this.#settle(req, STATUS_OK, value);
  }

  /** Wakes the parked green thread with `err` thrown at its park point. */
  fail(req: HubRequest, err: unknown): boolean {
    return this.#settle(req, STATUS_ERROR, errorToWire(err));
  }

  #settle(req: HubRequest, status: number, value: unknown): boolean {
    if (req.settled) return false;
    req.settled = true;
    // Its green thread computes again.
    this.#computingCache = -1;
    diag.resumed(req, status);
    const carrier = req.carrier;
    if (carrier.pending === req) carrier.pending = undefined;
    if (carrier.state === 'dead') return false;
    const view = carrier.view;
    try {
      view.write(RESP_LEN, RESP_KIND, F64_RESP, value, carrier.port);
    } catch (err) {
      status = STATUS_ERROR;
      view.write(RESP_LEN, RESP_KIND, F64_RESP, errorToWire(err), carrier.port);
    }
    view.i32[RESP_STATUS] = status;
    Atomics.store(view.i32, RESP_SEQ, req.seq);
    Atomics.notify(view.i32, RESP_SEQ, 1);
    return true;
  }

  // ---------------------------------------------------------------- threads

  /**
   * Starts a green thread. `parent` is the green thread that spawned it;
   * `handles` are the ids of hub objects in `args`, already held by the caller
   * for this thread: they pass to its carrier with the arguments, or are
   * released if it never runs. `cwd` is the working directory it starts in
   * (its parent's), when that is not the process's.
   */
  spawn(
    shipped: Shipped | MainEntry,
    args: Uint8Array,
    {
      parent,
      id,
      handles = [],
      cwd,
      loop,
      detached = false,
      now = false,
    }: { parent?: number; id?: number; handles?: number[]; cwd?: string; loop?: 'http'; detached?: boolean; now?: boolean } = {},
  ): ThreadRecord {
    this.#start();
    // A socket passed to a new green thread is handed over: it closes with the new thread, not the spawner.
    if (parent !== undefined && handles.length) this.holds?.handedOver(handles, parent);
    const t: ThreadRecord = {
      id: id ?? this.#nextId++,
      shipped,
      args,
      name: shipped.kind === 'function' ? shipped.name || 'anonymous' : shipped.kind === 'module' ? shipped.url : path.basename(shipped.path),
      parent,
      cwd,
      loop,
      detached,
      state: 'queued',
      carrier: undefined,
      outcome: undefined,
      interrupts: [],
      timers: new Map(),
      waiters: [],
      links: [],
      watchers: new Set(),
      handles,
      endListeners: [],
      observed: false,
      result: undefined,
      settleResult: undefined,
    };
    this.threads.set(t.id, t);
    diag.spawned(this, t);
    this.#live++;
    this.#holdProcess();
    // An idle carrier runs it at once while a core is free; with every core
    // computing, it queues (see #fill): more green threads computing at once
    // than cores finish no sooner, and each costs memory. `now`: the hub
    // thread waits for it synchronously, so a free core is not the question.
    const carrier = this.#idle.length > 0 && (now || this.#computing() < CORES) ? this.#idle.pop() : undefined;
    if (carrier) {
      this.#runOn(carrier, t);
      // The last idle carrier was taken: a spare starts ahead of the next spawn.
      if (this.#idle.length === 0) this.#fill();
    } else if (now && this.#runOnStarting(t)) {
      this.#fill();
    } else {
      if (this.#queue.length === 0) {
        // A new wait begins: starvation counts from now, from the first step.
        this.#queueMovedAt = performance.now();
        this.#starveWaits = 0;
      }
      this.#queue.push(t);
      this.#fill();
    }
    return t;
  }

  #runOn(carrier: CarrierRef, t: ThreadRecord): void {
    clearTimeout(carrier.idleTimer);
    // A new green thread computes until it parks or its loop idles.
    if (this.#computingCache >= 0) this.#computingCache++;
    carrier.state = 'busy';
    carrier.thread = t;
    t.carrier = carrier;
    t.state = 'running';
    diag.started(t, carrier);
    const key = t.shipped.key;
    const known = carrier.known.has(key);
    carrier.known.add(key);
    const patches = carrier.patchVersion === this.patchVersion ? undefined : this.patches;
    carrier.patchVersion = this.patchVersion;
    carrier.run({ id: t.id, key, shipped: known ? undefined : t.shipped, args: t.args, patches, cwd: t.cwd, loop: t.loop });
    this.credit(carrier, t.handles);
    t.handles = []; // delivered: the carrier's facades own them now
  }

  /** Whether spawn with `now` would start a green thread at once (an idle carrier, one starting, or room for one). */
  canRunNow(): boolean {
    return this.#idle.length > 0 || this.#carrierCount < this.options.maxCarriers || this.#carriers.some((k) => k?.state === 'starting' && !k.claimed);
  }

  /**
   * For a green thread the hub thread is about to wait for (spawn's `now`)
   * when no carrier is idle: a carrier still starting takes it, or a new
   * one. Its command waits in the carrier's channel until the carrier's
   * bootstrap reads it, so it starts without this event loop turning (which
   * it cannot while the hub waits); the carrier's 'ready' then only records
   * that it is up. False when the pool is at maxCarriers.
   */
  #runOnStarting(t: ThreadRecord): boolean {
    let c = this.#carriers.find((k) => k?.state === 'starting' && !k.claimed);
    if (!c && this.#carrierCount < this.options.maxCarriers) c = this.#startCarrier();
    if (!c) return false;
    c.claimed = true;
    this.#starting--;
    this.#runOn(c, t);
    return true;
  }

  /** Ends a green thread: wakes its waiters, runs its links, frees its carrier. */
  #end(t: ThreadRecord, outcome: Outcome): void {
    if (t.state === 'dead') return;
    t.state = 'dead';
    this.#endedCount++;
    t.outcome = outcome;
    diag.ended(t, outcome);
    for (const timer of t.timers.values()) clearTimeout(timer);
    t.timers.clear();
    t.interrupts.length = 0;
    if (t.handles.length) this.holds?.dropIds(t.handles.splice(0));
    // Sockets and servers close with the last green thread that held them.
    this.holds?.threadEnded(t.id);
    const handles = outcome.ok ? (outcome.handles ?? []) : [];
    if (handles.length && this.holds) {
      // The outcome holds its handles while anyone can still read it.
      this.holds.keepIds(handles);
      this.#outcomeHolds.register(outcome, handles);
    }
    const carrier = t.carrier;
    t.carrier = undefined;
    if (carrier && carrier.thread === t) {
      carrier.thread = undefined;
      if (carrier.pending) {
        carrier.pending.cancel?.();
        carrier.pending.settled = true;
        carrier.pending = undefined;
      }
    }
    // Unpacked here only when someone on the hub reads it (links, a failure report).
    let unpacked: Unpacked | undefined;
    const r = () => (unpacked ??= this.#unpackHere(outcome));
    const failed = !outcome.ok && !outcome.killed;
    // A failure nobody observed is printed, as eventlet does. One whose spawner
    // is a live green thread can still be waited on: it is printed when that
    // spawner ends without having looked.
    const spawnerLives = t.parent !== undefined && this.threads.has(t.parent);
    if (failed && !t.observed && t.waiters.length === 0 && (!spawnerLives || t.detached)) this.#reportFailure(t, r().error);
    for (const w of t.waiters.splice(0)) this.deliverOutcome(w, outcome);
    for (const cb of t.links.splice(0)) {
      try {
        cb(r().error, r().value);
      } catch (err) {
        process.stderr.write(`greenthread: a link callback of green thread ${t.id} threw:\n${(err as Error)?.stack ?? err}\n`);
      }
    }
    for (const c of t.watchers) this.postEnded(c, t.id, outcome);
    t.watchers.clear();
    for (const listener of t.endListeners.splice(0)) listener();
    t.settleResult?.(outcome);
    // Records of ended green threads are dropped; handles keep what they need.
    this.threads.delete(t.id);
    // Kept for a live spawner that may still wait on it; a detached one (spawnN) it never will.
    if (t.parent !== undefined && !t.detached && this.threads.has(t.parent)) {
      this.ended.set(t.id, outcome);
      if (t.observed) this.#observedIds.add(t.id);
      let list = this.#endedByParent.get(t.parent);
      if (!list) this.#endedByParent.set(t.parent, (list = new Set()));
      list.add(t.id);
      // A spawner that never waits (an accept loop spawning a handler per
      // connection) must not fill memory: only its most recent ended children
      // are kept. The oldest goes; its failure, if nobody looked, is printed.
      if (list.size > KEPT_ENDED_CHILDREN) {
        const oldest = list.values().next().value!;
        list.delete(oldest);
        this.#forgetEnded(oldest, `spawned by green thread ${t.parent}`);
      }
    }
    const children = this.#endedByParent.get(t.id);
    if (children) {
      this.#endedByParent.delete(t.id);
      for (const id of children) this.#forgetEnded(id, `spawned by green thread ${t.id}`);
    }
    this.#live--;
    this.#notHolding.delete(t.id);
    this.#holdProcess();
    this.onEnd?.(t, outcome);
  }

  /** Records of green threads a hub object started for a caller on the hub, until the caller takes them. */
  readonly handoff = new Map<number, ThreadRecord>();

  /** Ended children of live green threads that someone waited on, linked or checked. */
  #observedIds = new Set<number>();

  /** Drops a kept ended child; prints its failure if nobody looked at it. */
  #forgetEnded(id: number, name: string): void {
    const o = this.ended.get(id);
    this.ended.delete(id);
    if (o && !o.ok && !o.killed && !this.#observedIds.has(id)) this.#reportFailure({ id, name }, unpack(o).error);
    this.#observedIds.delete(id);
  }

  /** Marks an ended child as observed (its failure need not be printed). */
  observeEnded(id: number): void {
    if (this.ended.has(id)) this.#observedIds.add(id);
  }

  /**
   * Prints the failure nobody observed, and makes the process's exit status
   * 1, as an unhandled rejection does in Node: the process goes on (one green
   * thread's failure never takes down the others), but a script whose work
   * failed does not end in success.
   */
  #reportFailure(t: { id: number; name: string }, error: unknown): void {
    const stack = (error as Error)?.stack ?? String(error);
    process.stderr.write(`greenthread: green thread ${t.id} (${t.name}) failed:\n${stack}\n`);
    if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = 1;
  }

  /** Reference accounting of hub objects; set by the object registry. */
  holds: Holds | undefined;

  /** Unpacks an outcome for use on the hub: its handles become hub facades, with a reference each. */
  #unpackHere(outcome: Outcome): Unpacked {
    const r = unpack(outcome);
    if (outcome.ok && outcome.handles?.length) {
      this.holds?.keepIds(outcome.handles);
      r.value = revive(r.value);
    }
    return r;
  }

  /**
   * Replies `value`, which holds the hub objects `ids`: each goes to the
   * carrier with a reference of its own, taken back if the reply is dropped.
   */
  replyHolding(req: HubRequest, value: unknown, ids: readonly number[] | undefined): void {
    if (ids?.length) this.holds?.keepIds(ids as number[]);
    if (this.reply(req, value)) this.credit(req.carrier, ids);
    else if (ids?.length) this.holds?.dropIds(ids as number[]);
  }

  /** Replies an outcome to a WAIT request, with a reference per handle in its value. */
  deliverOutcome(req: HubRequest, outcome: Outcome): void {
    this.replyHolding(req, outcome, outcome.ok ? outcome.handles : undefined);
  }

  /** Records references delivered to a carrier (see CarrierRef.held). */
  credit(c: CarrierRef, ids: readonly number[] | undefined): void {
    if (ids?.length && c.thread) this.holds?.delivered(ids, c.thread.id);
    if (!ids) return;
    for (const id of ids) c.held.set(id, (c.held.get(id) ?? 0) + 1);
  }

  /** A carrier released references it held (its facades were collected). */
  #released(c: CarrierRef, ids: number[]): void {
    for (const id of ids) {
      const n = c.held.get(id) ?? 0;
      if (n <= 1) c.held.delete(id);
      else c.held.set(id, n - 1);
    }
    this.holds?.dropIds(ids);
  }

  /** Tells a carrier that green thread `id` ended, with a reference per handle in its value. */
  postEnded(c: CarrierRef, id: number, outcome: Outcome): void {
    const handles = outcome.ok ? outcome.handles : undefined;
    if (handles?.length) this.holds?.keepIds(handles);
    this.credit(c, handles);
    c.post({ t: 'ended', id, outcome });
  }

  /** Runs `cb` when `t` ends (at once if it has), without making its failure observed. */
  onceEnded(t: ThreadRecord, cb: () => void): void {
    if (t.state === 'dead') cb();
    else t.endListeners.push(cb);
  }

  /** Called after a green thread ended (used by `greenthread run` for green thread 0). */
  onEnd: ((t: ThreadRecord, outcome: Outcome) => void) | undefined;

  result(t: ThreadRecord): Promise<unknown> {
    t.observed = true;
    if (!t.result) {
      t.result = new Promise((resolve, reject) => {
        t.settleResult = (outcome) => {
          const r = this.#unpackHere(outcome);
          if (r.failed) reject(r.error);
          else resolve(r.value);
        };
      });
      if (t.outcome) t.settleResult!(t.outcome);
      // A result nobody awaits must not crash the process as an unhandled rejection.
      t.result.catch(() => {});
    }
    return t.result;
  }

  link(t: ThreadRecord, cb: (error: unknown, value: unknown) => void): void {
    t.observed = true;
    if (t.outcome) {
      const r = this.#unpackHere(t.outcome);
      cb(r.error, r.value);
    } else t.links.push(cb);
  }

  kill(t: ThreadRecord, reason: unknown, force: boolean): void {
    if (t.state === 'dead') return;
    diag.killed(t, reason, force);
    const exit = (): Outcome => ({ ok: false, killed: true, error: errorToWire(new GreenThreadExit(reason)) });
    if (t.state === 'queued') {
      this.#queue.splice(this.#queue.indexOf(t), 1);
      this.#end(t, exit());
      return;
    }
    const carrier = t.carrier!;
    if (force) {
      // The only way to stop a green thread stuck in CPU work: end its carrier.
      carrier.retiring = true;
      this.#end(t, exit());
      carrier.terminate();
      return;
    }
    if (t.state === 'draining') {
      carrier.post({ t: 'kill-draining', id: t.id });
      return;
    }
    this.interrupt(t, STATUS_KILLED, reason);
  }

  /**
   * Throws into green thread `t` at its park point: now, if it is parked (the
   * operation it waits on is cancelled and its late reply dropped), else at
   * its next park point. A kill goes before any pending timeout.
   */
  interrupt(t: ThreadRecord, status: number, value: unknown): void {
    if (t.state === 'dead') return;
    const pending = t.carrier?.pending;
    if (t.state === 'running' && pending && !pending.settled) {
      pending.cancel?.();
      this.#settle(pending, status, value);
    } else if (status === STATUS_KILLED) {
      t.interrupts.unshift({ status, value });
    } else {
      t.interrupts.push({ status, value });
    }
  }

  // ---------------------------------------------------------------- carriers

  /**
   * Starts carriers for queued green threads, for the warm minimum, and one
   * spare ahead of demand.
   *
   * A carrier costs a worker start (25 to 50 ms of CPU) and a fresh load of
   * every library its green thread uses, so the pool grows only when a new
   * carrier would get work done sooner: while fewer carriers compute than
   * there are cores. A parked green thread, or one waiting in its own event
   * loop, leaves its core free; one in CPU work does not. Idle carriers
   * take queued green threads on the same terms (spawn too): more green
   * threads computing than cores finish no sooner. Twenty short CPU jobs
   * then share a few warm carriers instead of loading their libraries
   * twenty times, and twenty jobs that wait on children each get a carrier
   * at once. So that long computations cannot hold the queue, one that
   * waits while no green thread ends gets one carrier (idle or new) after
   * STARVED_MS, another after twice that, and so on (see #starved).
   */
  #fill(): void {
    const live = this.#carrierCount;
    const cap = this.options.maxCarriers;
    const queued = this.#queue.length - this.#starting;
    let start = 0;
    if (queued > 0) {
      // Idle carriers first: they are warm.
      let free = CORES - this.#computing();
      while (free > 0 && this.#idle.length > 0 && this.#queue.length > 0) {
        this.#runNext(this.#idle.pop()!);
        free--;
      }
      const waiting = this.#queue.length - this.#starting;
      const freeForNew = CORES - this.#computing(true) - this.#starting;
      start = live >= cap ? 0 : Math.min(waiting, Math.max(freeForNew, 0), START_CONCURRENCY - this.#starting);
      if (waiting > 0 && start <= 0 && this.#starved()) {
        if (this.#idle.length > 0) this.#runNext(this.#idle.pop()!);
        else if (this.#starting === 0 && live < cap) start = 1;
      }
    } else if (live >= cap) {
      // Nothing to start.
    } else if (this.#queue.length === 0) {
      // A spare while green threads run and none is idle, when nothing else
      // starts (the warm minimum is below).
      if (live >= this.options.minCarriers && this.#starting === 0 && this.#idle.length === 0 && this.#live > 0 && this.#computing(true) < CORES) start = 1;
    }
    // The warm minimum starts beside the carriers the queue needs, within
    // what may start at once: the app's first spawn finds a carrier up (it
    // took one carrier's start after the app's before).
    if (live + start < this.options.minCarriers) start = Math.max(start, Math.min(this.options.minCarriers - live, START_CONCURRENCY - this.#starting));
    start = Math.min(start, cap - live);
    for (let i = 0; i < start; i++) this.#startCarrier();
    if (this.#queue.length > this.#starting && (this.#carrierCount < cap || this.#idle.length > 0)) this.#watchQueue();
    const unserved = this.#queue.length - this.#starting;
    if (unserved > 0 && this.#carrierCount >= cap && !this.#capWarned) {
      this.#capWarned = true;
      process.emitWarning(
        `greenthread: all ${cap} carriers are in use; ${unserved} green thread(s) wait for one to free up. ` +
          `Each running or parked green thread holds a carrier: raise maxCarriers with configure(), or bound concurrency with a pool.`,
        { code: 'ERR_GREEN_POOL_EXHAUSTED' },
      );
    }
  }

  /**
   * Busy carriers whose green thread computes (is neither parked nor waiting
   * in its own event loop). With `held`, a park younger than the time a
   * carrier takes to start counts too (see #parkGrace): most end within it
   * (a short child, a DNS answer), and a new carrier for them would cost
   * more than it saves; the queue's periodic look (#watchQueue) sees the
   * long ones. A young park whose op has an older park in flight does not
   * count: calls of one kind at once (30 builds, 30 one-second children)
   * tend to last alike, so once one of them has outlived the grace, the
   * rest get carriers without each waiting it out. A park that waits for
   * other green threads never holds its core (WAITS_ON_GREEN_THREADS). An
   * idle carrier, already paid for, goes by the count without them. Counted at most once per
   * COMPUTING_TTL_MS, and kept up to date in between as green threads
   * start, park, resume and end, so a burst of spawns does not walk the
   * pool once per spawn.
   */
  #computing(held = false): number {
    const now = performance.now();
    if (this.#computingCache < 0 || now - this.#computingAt >= COMPUTING_TTL_MS) {
      let n = 0;
      const youngByOp = new Map<number, number>();
      const oldOps = new Set<number>();
      for (const c of this.#carriers) {
        if (!c || c.state !== 'busy') continue;
        const p = c.pending;
        if (p && !p.settled) {
          if (now - p.at < this.#parkGrace && !WAITS_ON_GREEN_THREADS.has(p.op)) youngByOp.set(p.op, (youngByOp.get(p.op) ?? 0) + 1);
          else oldOps.add(p.op);
        } else if (c.computing()) n++;
      }
      // A young park of an op that has a park past the grace in flight (a
      // batch of long children, of long sleeps) is likely long too: it frees its core at once.
      let young = 0;
      for (const [op, count] of youngByOp) if (!oldOps.has(op)) young += count;
      this.#computingAt = now;
      this.#computingCache = n;
      this.#youngParks = young;
    }
    return held ? this.#computingCache + this.#youngParks : this.#computingCache;
  }
  #youngParks = 0;
  /**
   * How long a park holds its core: a moving average of carrier start times
   * (new Worker to ready), within PARK_GRACE_MIN_MS..PARK_GRACE_MAX_MS. As
   * when renting against buying, waiting that long for a park to end costs
   * at most what starting a carrier would, and a machine where carriers
   * start slowly (a slow core, a loaded one, big hooks) waits longer before
   * starting one for green threads that are about to resume.
   */
  #parkGrace = PARK_GRACE_MIN_MS;
  #computingCache = -1;
  #computingAt = 0;

  /** Green threads ended so far: the queue is starved when none ends for a while. */
  #endedCount = 0;
  #endedSeen = 0;
  #queueMovedAt = 0;
  #queueTimer: NodeJS.Timeout | undefined;

  /**
   * Whether no green thread has ended for the starvation wait while some
   * wait in the queue. Each time it says so the wait doubles, until one
   * ends again: CPU-bound green threads that outnumber the cores then get a
   * few carriers more, not one every STARVED_MS (each would load its
   * libraries and compete for the same cores).
   */
  #starved(): boolean {
    const now = performance.now();
    if (this.#endedCount !== this.#endedSeen) {
      this.#endedSeen = this.#endedCount;
      this.#queueMovedAt = now;
      this.#starveWaits = 0;
      return false;
    }
    const base = this.#computing() >= CORES ? STARVED_COMPUTING_MS : STARVED_MS;
    if (now - this.#queueMovedAt < base * 2 ** this.#starveWaits) return false;
    this.#queueMovedAt = now;
    this.#starveWaits++;
    return true;
  }
  /** Starvation waits already given a carrier since a green thread last ended: each doubles the next. */
  #starveWaits = 0;

  /** While green threads wait with no carrier coming, look again every QUEUE_CHECK_MS. */
  #watchQueue(): void {
    if (this.#queueTimer) return;
    this.#queueTimer = setTimeout(() => {
      this.#queueTimer = undefined;
      this.#fill();
    }, QUEUE_CHECK_MS);
    // The hub's keep-alive holds the process while green threads live.
    this.#queueTimer.unref();
  }

  #startCarrier(): CarrierRef | undefined {
    const index = this.#freeIndexes.pop() ?? this.#carriers.length;
    let c: CarrierRef;
    try {
      c = new CarrierRef(index, this.#doorbell, this.options, this.argv, this.patches, this.#onMessage, this.#onExit, this.#takeEarly(index));
      c.patchVersion = this.patchVersion;
    } catch (err) {
      // new Worker() itself refused (bad execArgv or resourceLimits): nothing will ever start.
      this.#freeIndexes.push(index);
      this.#failQueue(err);
      return undefined;
    }
    this.#starting++;
    this.#carrierCount++;
    this.#carriers[index] = c;
    return c;
  }

  /** Carriers cannot start: fail the green threads waiting for one instead of letting them wait forever. */
  #failQueue(cause: unknown): void {
    const err = new CarrierDiedError(
      `carriers fail to start (${(cause as Error)?.message ?? 'the worker exited'}); check execArgv, --import hooks and resourceLimits`,
      { cause },
    );
    for (const q of this.#queue.splice(0)) this.#end(q, { ok: false, killed: false, error: errorToWire(err) });
  }

  #onMessage = (c: CarrierRef, m: CarrierMessage): void => {
    switch (m.t) {
      case 'out':
        (m.fd === 1 ? process.stdout : process.stderr).write(m.data);
        return;
      case 'ready':
        if (!this.#anyReady) {
          this.#anyReady = true;
          if (this.patches?.childProcess) prewarmSpawner();
        }
        c.ready = true;
        this.#parkGrace = Math.min(PARK_GRACE_MAX_MS, Math.max(PARK_GRACE_MIN_MS, 0.7 * this.#parkGrace + 0.3 * (performance.now() - c.startedAt)));
        if (!c.claimed) this.#starting--;
        this.#startFailures = 0;
        // A claimed carrier already runs its green thread (see #runOnStarting).
        if (c.state === 'starting') this.#becomeIdle(c);
        this.#fill();
        return;
      case 'end': {
        const t = this.threads.get(m.id);
        if (m.retire) c.retiring = true;
        else {
          c.thread = undefined;
          if (!m.outcome.ok && t) c.known.delete(t.shipped.key);
        }
        if (t && t.carrier === c) {
          if (m.exitCode !== undefined && t.id === 0) process.exitCode = m.exitCode;
          this.#end(t, m.outcome);
        }
        if (c.broken && !c.retiring) {
          c.retiring = true;
          c.terminate();
        }
        if (!c.retiring) this.#becomeIdle(c);
        return;
      }
      case 'release':
        this.#released(c, m.ids);
        return;
      case 'exit':
        process.exit(m.code);
        return;
      case 'hold': {
        const t = this.threads.get(m.id);
        if (!t || t.state === 'dead' || t.carrier !== c) return;
        if (m.holds) this.#notHolding.delete(m.id);
        else this.#notHolding.add(m.id);
        this.#holdProcess();
        return;
      }
    }
  };

  #becomeIdle(c: CarrierRef): void {
    if (c.state === 'dead') return;
    c.state = 'idle';
    this.#computingCache = -1;
    // The next queued green thread, unless every core is taken by computing ones.
    if (this.#queue.length > 0 && this.#computing() < CORES) {
      this.#runNext(c);
      return;
    }
    this.#idle.push(c);
    this.#armRetire(c);
    if (this.#queue.length > 0) this.#watchQueue();
  }

  /** Runs the first queued green thread on `c`. */
  #runNext(c: CarrierRef): void {
    const next = this.#queue.shift()!;
    this.#capWarned = this.#capWarned && this.#queue.length > 0;
    this.#runOn(c, next);
  }

  /** An idle carrier beyond the warm minimum ends after idleTimeout, giving its memory back. */
  #armRetire(c: CarrierRef): void {
    clearTimeout(c.idleTimer);
    c.idleTimer = undefined;
    if (this.#carrierCount <= this.options.minCarriers) return;
    c.idleTimer = setTimeout(() => {
      const i = this.#idle.indexOf(c);
      // The last idle carrier stays while green threads run: it is the spare
      // #fill would start again at once.
      if (i >= 0 && this.#idle.length === 1 && this.#live > 0) {
        this.#armRetire(c);
        return;
      }
      // Carriers already ending (their exit is not in yet) do not count toward the warm minimum.
      if (i >= 0 && this.#carrierCount - this.#retired.size > this.options.minCarriers) {
        this.#idle.splice(i, 1);
        c.retiring = true;
        this.#retired.add(c);
        c.terminate();
      }
    }, this.options.idleTimeout);
    c.idleTimer.unref();
  }

  /** Idle carriers ended for idleTimeout whose exit has not come in yet. */
  #retired = new Set<CarrierRef>();

  #onExit = (c: CarrierRef): void => {
    this.#carrierCount--;
    this.#retired.delete(c);
    // Its facades died with it: give back every reference it still held.
    for (const [id, n] of c.held) this.holds?.release(id, n);
    c.held.clear();
    this.#carriers[c.index] = undefined;
    this.#freeIndexes.push(c.index);
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    if (!c.ready) {
      if (!c.claimed) this.#starting--;
      // Died while starting: do not let queued green threads wait forever on carriers that cannot start.
      if (!c.retiring && ++this.#startFailures >= MAX_START_FAILURES) {
        this.#failQueue(c.error);
        return;
      }
    }
    const t = c.thread;
    if (t && t.state !== 'dead') {
      const why = c.error instanceof Error ? c.error.message : 'its worker thread exited';
      const err = new CarrierDiedError(
        `the carrier running green thread ${t.id} (${t.name}) died: ${why}. Other green threads are unaffected.`,
        { cause: c.error },
      );
      this.#end(t, { ok: false, killed: false, error: errorToWire(err) });
    }
    if (this.#started) this.#fill();
  };

  /** Ops register here; see src/hub/ops.ts. */
  registerOp(op: number, handler: OpHandler): void {
    if (this.ops.has(op)) throw new GreenArgumentError(`op code ${op} is already registered`);
    this.ops.set(op, handler);
  }
}
