/**
 * The green thread of one fiber: rebuilds the fiber's function, runs it, and
 * reports to its runner through the fiber's shared buffer (see ../wire.ts).
 * Spawned as a module (`spawn(new URL(...))`) by the runner's `fiber.run()`.
 *
 * Runs on a carrier only.
 */
import { materialize } from '../../shipping/materialize.js';
import { errorToWire, GreenCloneError } from '../../errors.js';
import { serialize } from '../../channel/channel.js';
import { setBeforePark } from '../../carrier/channel.js';
import { Fiber, selfFiber } from '../fiber.js';
import { currentSelf, finish, releaseRunner, setSelf, type FiberSelf } from '../self.js';
import { EV_RETURN, EV_THROW, FiberLink } from '../wire.js';
import type { Shipped } from '../../shipping/types.js';
import { enableFunctionPrototype } from '../future.js';

/** What the runner sends to start a fiber. */
export interface FiberStart {
  shipped: Shipped;
  /** Name of the BroadcastChannel the runner listens on. */
  channel: string;
  /** `run()` had an argument (the body is called with it, else with none). */
  hasValue: boolean;
  value: unknown;
  /** `value` is an array of arguments (a task of fn.future()). */
  spread: boolean;
  /** Function.prototype.future was enabled where the fiber was created. */
  futureProto: boolean;
}

/** How the fiber ended, also the green thread's value (read by hub-side futures). */
export type FiberOutcome = { ok: true; value: unknown } | { ok: false; error: ReturnType<typeof errorToWire> };

export default async function runFiber(start: FiberStart): Promise<FiberOutcome> {
  const link = FiberLink.create(start.channel);
  let fn: Function;
  try {
    fn = await materialize(start.shipped);
  } catch (err) {
    const self: FiberSelf = { link, fiber: {}, runnerWaiting: true, zombie: undefined, seenCmd: 0 };
    finish(self, EV_THROW, errorToWire(err));
    link.close();
    return { ok: false, error: errorToWire(err) };
  }
  if (start.futureProto) enableFunctionPrototype();
  const self: FiberSelf = { link, fiber: selfFiber(), runnerWaiting: true, zombie: undefined, seenCmd: 0 };
  setSelf(self);
  setBeforePark(releaseRunner);
  // process.exit() hands the exit to the hub with a message; a runner blocked
  // in run() on the hub would never read it.
  const exit = process.exit;
  process.exit = ((code?: number | string | null) => {
    releaseRunner();
    return exit(code);
  }) as typeof process.exit;
  let outcome: FiberOutcome;
  try {
    const value = start.spread ? fn(...(start.value as unknown[])) : start.hasValue ? fn.call(undefined, start.value) : fn.call(undefined);
    try {
      serialize(value, "the fiber's return value");
      outcome = { ok: true, value };
    } catch (err) {
      outcome = { ok: false, error: errorToWire(err instanceof GreenCloneError ? err : new GreenCloneError(String(err))) };
    }
  } catch (err) {
    // Unwound by reset(): that is a normal end, with nothing to return.
    outcome = err === self.zombie ? { ok: true, value: undefined } : { ok: false, error: errorToWire(err) };
  } finally {
    process.exit = exit;
    setBeforePark(undefined);
    if (currentSelf() === self) setSelf(undefined);
  }
  if (outcome.ok) finish(self, EV_RETURN, outcome.value);
  else finish(self, EV_THROW, outcome.error);
  link.close();
  return outcome;
}

export { Fiber };
