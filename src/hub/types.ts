/**
 * Records the hub keeps for green threads and for the requests they are parked on.
 *
 * Runs on the hub only.
 */
import type { MainEntry, Outcome } from '../channel/messages.js';
import type { Shipped } from '../shipping/types.js';
import type { CarrierRef } from './carriers.js';

export type ThreadState = 'queued' | 'running' | 'draining' | 'dead';

export interface ThreadRecord {
  readonly id: number;
  readonly shipped: Shipped | MainEntry;
  readonly args: Uint8Array;
  /** Where it was spawned from, for reports. */
  readonly name: string;
  /** Id of the green thread that spawned it; undefined when spawned on the hub. */
  readonly parent: number | undefined;
  /** Working directory it starts in, when not the process's. */
  readonly cwd: string | undefined;
  /** Runs its function inside a loop of greenthread's (a serveHttp handler), not once. */
  readonly loop: 'http' | undefined;
  /** Started by GreenPool.spawnN: nothing will wait for it, so a failure is printed at once. */
  readonly detached: boolean;
  state: ThreadState;
  carrier: CarrierRef | undefined;
  outcome: Outcome | undefined;
  /**
   * Kills and fired timeouts that arrived while it was not parked: each is
   * delivered at a following park point, a kill first.
   */
  interrupts: Interrupt[];
  /** Its armed Timeouts, by the id its carrier gave them. */
  timers: Map<number, NodeJS.Timeout>;
  /** WAIT requests of other green threads parked on this one. */
  waiters: HubRequest[];
  /** link() callbacks registered on the hub. */
  links: ((error: unknown, value: unknown) => void)[];
  /** Handle ids its serialized `args` hold, until they are delivered to its carrier. */
  handles: number[];
  /** Internal listeners (pools): told of its end without counting as observers. */
  endListeners: (() => void)[];
  /** Carriers to send an 'ended' message to (link/result inside green threads). */
  watchers: Set<CarrierRef>;
  /** Someone will hear about its failure (result, wait, link): no need to print it. */
  observed: boolean;
  result: Promise<unknown> | undefined;
  settleResult: ((outcome: Outcome) => void) | undefined;
}

/** Thrown into a green thread at its park point instead of a reply. */
export interface Interrupt {
  status: number;
  value: unknown;
}

/** A request a parked green thread made; settled exactly once. */
export interface HubRequest {
  readonly carrier: CarrierRef;
  readonly thread: ThreadRecord;
  readonly seq: number;
  readonly op: number;
  /** The numeric argument (Float64 slot). */
  readonly num: number;
  /** The deserialized payload argument, if any. */
  readonly arg: unknown;
  settled: boolean;
  /** Undo whatever the handler started (a timer, a waiter entry): called on kill. */
  cancel: (() => void) | undefined;
  /** When it was made (performance.now()), for diagnostics. */
  readonly at: number;
}

export type OpHandler = (req: HubRequest) => void;
