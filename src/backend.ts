/**
 * The seam between the public API and the thread it is called on. The hub
 * (any thread that is not a carrier) and a carrier implement the same
 * operations differently: on the hub nothing may block, in a carrier a
 * blocking call parks the green thread on its channel.
 *
 * A carrier installs its backend in a global slot before user code loads, so
 * every copy of this package loaded in that isolate finds it.
 *
 * Runs on every thread.
 */
import type { Shipped } from './shipping/types.js';

export interface ThreadStatus {
  dead: boolean;
  /** Undefined for a green thread that ended and whose outcome the hub has let go of (see Hub#hasIssued). */
  killed: boolean | undefined;
}

/** What a carrier does for the public API; the hub side calls the Hub directly. */
export interface Backend {
  readonly isCarrier: boolean;
  /** Starts a green thread; returns its id. `args` is already serialized; `handles` are the hub objects in it. */
  spawn(shipped: Shipped, args: Uint8Array, handles: number[]): number;
  /** Parks until green thread `id` ends; returns its value or throws its error. */
  wait(id: number): unknown;
  /** Promise of green thread `id`'s value. */
  result(id: number): Promise<unknown>;
  kill(id: number, reason: unknown, force: boolean): void;
  link(id: number, cb: (error: unknown, value: unknown) => void): void;
  status(id: number): ThreadStatus;
  sleep(ms: number): void;
  /** Id of the green thread running here, or undefined on the hub. */
  currentId(): number | undefined;
  /** Round trip with no work (benchmarks). */
  nop(): void;
  /** Creates a hub object; returns its id. */
  objNew(kind: string, options: unknown): number;
  /** Calls a hub object's method, parking until it answers. */
  objCall(id: number, method: string, args: unknown[]): unknown;
  /** A socket's recv (hub object `id`): writes `data` first, then waits for up to `max` bytes (empty at the end of the stream). */
  netRecv(id: number, max: number, timeout: number | undefined, data: Buffer | undefined): Buffer;
  /** Arms a Timeout; `fire` gives the error thrown at the park point when it fires. */
  timeoutArm(id: number, ms: number, fire: () => unknown): void;
  timeoutCancel(id: number): void;
  /** Tells the hub that this green thread patched modules, so every carrier does. */
  patched(options: import('./patches/monkey-patch.js').PatchOptions): void;
  /** A DNS query in the hub, parking until it answers. */
  dns(kind: 'lookup' | 'resolve', host: string, extra: unknown): unknown;
  /** Runs a child process in the hub, parking until it ends (green spawnSync). */
  childSpawnSync(request: import('./channel/child.js').ChildRequest): import('./channel/child.js').ChildReply;
  /** Runs a shipped function on the hub, parking until it settles. */
  runInHub(shipped: Shipped, args: Uint8Array, handles: number[]): unknown;
  /**
   * Any other request (see channel/ops.ts): parks until the hub answers.
   * A reply holding hub objects arrives with its facades made.
   */
  request(op: number, num: number, value?: unknown): unknown;
  /** Says whether this green thread waits on something other than the hub (see WAITING in channel/layout.ts). */
  setWaiting(waiting: boolean): void;
  /**
   * Says whether this green thread keeps the process alive: not while only a
   * fiber's runner could wake it (a fiber suspended in Fiber.yield, a fiber
   * host between bodies), as a suspended node-fibers fiber never held its loop.
   */
  holdsProcess(holds: boolean): void;
  /** Runs `fn` once right before this green thread next parks, or when it ends; `active` false takes it back (see net/socket.ts). */
  beforeNextPark(fn: () => void, active: boolean): void;
}

const SLOT = Symbol.for('greenthread.backend');

/** The carrier's backend if this isolate is a carrier, else undefined. */
export function carrierBackend(): Backend | undefined {
  return (globalThis as Record<symbol, Backend | undefined>)[SLOT];
}

export function installCarrierBackend(backend: Backend): void {
  (globalThis as Record<symbol, Backend | undefined>)[SLOT] = backend;
}
