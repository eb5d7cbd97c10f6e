/**
 * Every error greenthread throws, each with a stable `ERR_GREEN_*` code.
 *
 * Errors cross isolates (carrier <-> hub) by structured clone, which keeps
 * neither the class nor own properties. So every class here is branded with
 * a `Symbol.for` key: `instanceof` checks the brand, not the prototype chain,
 * and works for an error rebuilt on the other side of the channel or created
 * by a second copy of this package. `errorToWire` / `errorFromWire` do the
 * rebuilding for any error, ours or not.
 *
 * This module runs on every thread.
 */

const BRAND = Symbol.for('greenthread.error');

/** Codes of all greenthread errors, one place. */
export const codes = {
  GreenError: 'ERR_GREEN',
  HubBlockingError: 'ERR_GREEN_BLOCKING_HUB',
  GreenClosureError: 'ERR_GREEN_CLOSURE',
  GreenShipError: 'ERR_GREEN_SHIP',
  GreenThreadExit: 'ERR_GREEN_KILLED',
  CarrierDiedError: 'ERR_GREEN_CARRIER_DIED',
  SpawnerDiedError: 'ERR_GREEN_SPAWNER_DIED',
  PoolExhaustedError: 'ERR_GREEN_POOL_EXHAUSTED',
  GreenArgumentError: 'ERR_GREEN_INVALID_ARG',
  GreenCloneError: 'ERR_GREEN_CLONE',
  GreenProtocolError: 'ERR_GREEN_PROTOCOL',
  QueueEmptyError: 'ERR_GREEN_QUEUE_EMPTY',
  QueueFullError: 'ERR_GREEN_QUEUE_FULL',
  Timeout: 'ERR_GREEN_TIMEOUT',
} as const;

/**
 * Base class of every greenthread error.
 *
 * @example
 * ```ts
 * try { sleep(10) } catch (e) { if (e instanceof GreenError) console.log(e.code) }
 * ```
 */
export class GreenError extends Error {
  /** Stable machine-readable code, `ERR_GREEN_*`. */
  declare code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, writable: true, configurable: true });
    this.code = (codes as Record<string, string>)[new.target.name] ?? codes.GreenError;
    Object.defineProperty(this, BRAND, { value: new.target.name, enumerable: false });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (value === null || typeof value !== 'object') return false;
    const brand = (value as Record<symbol, unknown>)[BRAND];
    if (typeof brand !== 'string') return false;
    if (this === GreenError) return true;
    // A subclass matches its own brand and the brands of its subclasses.
    let cls: unknown = registry.get(brand);
    while (typeof cls === 'function') {
      if (cls === this) return true;
      cls = Object.getPrototypeOf(cls);
    }
    return false;
  }
}

/**
 * Thrown when a blocking call (`sleep`, `wait`, ...) is made on the hub thread.
 * The hub runs everyone's I/O; blocking it would stop every green thread.
 *
 * @example
 * ```ts
 * import { sleep, spawn } from 'greenthread'
 * spawn(() => sleep(100)) // fine: runs in a green thread
 * sleep(100)              // on the main thread: throws HubBlockingError
 * ```
 */
export class HubBlockingError extends GreenError {
  constructor(what: string) {
    super(
      `${what}() blocks, and this is the hub thread, which runs every green thread's I/O. ` +
        `Call it inside a green thread (spawn(fn), or run the app with \`greenthread run app.js\`), ` +
        `or use the async form on the hub.`,
    );
  }
}

/**
 * Thrown by `spawn` when the function uses something that cannot follow it
 * into another isolate: it assigns a variable of the spawning thread, changes
 * an object it captured (the green thread would change a copy), reads a
 * variable assigned again elsewhere, or captures an object that can neither
 * be copied nor computed again. The message names the identifier, where it is
 * declared, and the fix for that case.
 *
 * @example
 * ```ts
 * let count = 0
 * spawn(() => count++)                     // GreenClosureError: the function assigns `count`
 * count += await spawn(() => 1).result     // return the value instead
 * ```
 */
export class GreenClosureError extends GreenError {
  /** The identifier the function closes over. */
  declare identifier: string;
  /** `file:line` of its declaration (or of the spawn call when unknown). */
  declare location: string;
  /** @param advise add the general advice (pass it as an argument); off when `why` already says what to do. */
  constructor(identifier: string, location: string, why: string, advise = true) {
    super(
      `spawned function uses \`${identifier}\` (${location}), ${why}.` +
        (advise
          ? ` A green thread runs in another isolate and cannot share it: pass its value to spawn as an argument ` +
            `(spawn(fn, ${identifier})), or move it into the function.`
          : ''),
    );
    this.identifier = identifier;
    this.location = location;
  }
}

/**
 * The function or module given to spawn cannot be shipped to a carrier
 * (a native or bound function, an import that cannot be resolved).
 */
export class GreenShipError extends GreenError {}

/**
 * Thrown at the park point of a green thread that was killed. Its `finally`
 * blocks run; the green thread counts as killed, not failed.
 *
 * @example
 * ```ts
 * const g = spawn(() => { try { sleep(60_000) } finally { console.log('cleaned up') } })
 * g.kill()
 * ```
 */
export class GreenThreadExit extends GreenError {
  constructor(reason?: unknown) {
    super(reason === undefined ? 'green thread was killed' : `green thread was killed: ${describe(reason)}`);
    if (reason !== undefined) (this as { reason?: unknown }).reason = reason;
  }
}

/** The carrier (worker thread) running a green thread died under it. */
export class CarrierDiedError extends GreenError {}

/**
 * The spawner process, which starts the child processes of green threads,
 * exited while a child of this call ran: its result is lost. The next call
 * starts a new spawner, so the call can be retried.
 *
 * @example
 * ```ts
 * try { execSync('make') } catch (e) { if (e instanceof SpawnerDiedError) execSync('make'); else throw e }
 * ```
 */
export class SpawnerDiedError extends GreenError {}

/** The carrier pool reached its hard cap and a spawn could not be served. */
export class PoolExhaustedError extends GreenError {}

/** An argument or option given to a public function is invalid. */
export class GreenArgumentError extends GreenError {}

/** A value cannot be copied to another isolate (structured clone failed). */
export class GreenCloneError extends GreenError {}

/** A malformed message reached the channel; it was rejected. */
export class GreenProtocolError extends GreenError {}

/**
 * Queue.get found nothing within its timeout (or at once, with a timeout of 0).
 *
 * @example
 * ```ts
 * try { job = jobs.get(1000) } catch (e) { if (e instanceof QueueEmptyError) job = undefined; else throw e }
 * ```
 */
export class QueueEmptyError extends GreenError {}

/**
 * Queue.put found the queue full for its whole timeout.
 *
 * @example
 * ```ts
 * try { results.put(row, 500) } catch (e) { if (e instanceof QueueFullError) dropped++; else throw e }
 * ```
 */
export class QueueFullError extends GreenError {}

const registry = new Map<string, new (...args: never[]) => GreenError>([
  ['GreenError', GreenError],
  ['HubBlockingError', HubBlockingError],
  ['GreenClosureError', GreenClosureError],
  ['GreenShipError', GreenShipError],
  ['GreenThreadExit', GreenThreadExit],
  ['CarrierDiedError', CarrierDiedError],
  ['SpawnerDiedError', SpawnerDiedError],
  ['PoolExhaustedError', PoolExhaustedError],
  ['GreenArgumentError', GreenArgumentError],
  ['GreenCloneError', GreenCloneError],
  ['GreenProtocolError', GreenProtocolError],
  ['QueueEmptyError', QueueEmptyError],
  ['QueueFullError', QueueFullError],
]);

/** @internal Error classes defined elsewhere (Timeout) join the registry so they cross threads. */
export function registerErrorClass(name: string, cls: new (...args: never[]) => GreenError): void {
  registry.set(name, cls);
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The wire form of an error: plain data that survives structured clone. */
export interface WireError {
  readonly $greenError: 1;
  name: string;
  message: string;
  stack: string | undefined;
  brand: string | undefined;
  props: Record<string, unknown>;
  cause?: WireError | { value: unknown };
  /** The name of its class, when that is not a built-in one: the receiver may find the class (see ERROR_CLASS). */
  ctor?: string;
}

/**
 * On an error rebuilt from the wire: the name of the class it was thrown as,
 * when the receiving side could not rebuild that class by itself. Whoever
 * knows the module the error came from (the spawner, through the spawned
 * function) can restore it (green-thread.ts).
 */
export const ERROR_CLASS = Symbol.for('greenthread.errorClass');

const BUILTIN_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Turns any thrown value into data that survives structured clone. */
export function errorToWire(err: unknown): WireError | { $greenValue: 1; value: unknown } {
  if (!(err instanceof Error) && !(err !== null && typeof err === 'object' && 'message' in err && 'stack' in err)) {
    return { $greenValue: 1, value: cloneable(err) ? err : String(err) };
  }
  const e = err as Error & Record<string | symbol, unknown>;
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    if (key === 'cause') continue;
    const v = e[key];
    if (cloneable(v)) props[key] = v;
  }
  const wire: WireError = {
    $greenError: 1,
    name: e.name,
    message: e.message,
    stack: e.stack,
    brand: typeof e[BRAND] === 'string' ? (e[BRAND] as string) : undefined,
    props,
  };
  const ctor = (e.constructor as { name?: unknown } | undefined)?.name;
  if (typeof ctor === 'string' && ctor && !wire.brand && BUILTIN_ERRORS[ctor] !== e.constructor) wire.ctor = ctor;
  if ('cause' in e && e.cause !== undefined) {
    const c = errorToWire(e.cause);
    wire.cause = '$greenError' in c ? c : { value: c.value };
  }
  return wire;
}

/**
 * Rebuilds an error from its wire form. The class is restored for greenthread's
 * own errors and for the built-in error types; others become `Error` with the
 * original `name`. Own properties (`code`, `errno`, ...) are restored. The stack
 * is the original one, followed by where it was received (`localStack`).
 */
export function errorFromWire(wire: WireError | { $greenValue: 1; value: unknown }, localStack?: string): unknown {
  if (!('$greenError' in wire)) return wire.value;
  const Cls = wire.brand ? registry.get(wire.brand) : undefined;
  let err: Error;
  if (Cls) {
    err = Object.create(Cls.prototype) as Error;
    Object.defineProperty(err, BRAND, { value: wire.brand, enumerable: false });
    Object.defineProperty(err, 'message', { value: wire.message, enumerable: false, writable: true, configurable: true });
  } else {
    const Builtin = BUILTIN_ERRORS[wire.name] ?? Error;
    err = new Builtin(wire.message);
  }
  Object.defineProperty(err, 'name', { value: wire.name, enumerable: false, writable: true, configurable: true });
  if (wire.ctor) Object.defineProperty(err, ERROR_CLASS, { value: wire.ctor, enumerable: false, configurable: true });
  Object.assign(err, wire.props);
  if (wire.cause) {
    const cause = '$greenError' in wire.cause ? errorFromWire(wire.cause) : wire.cause.value;
    Object.defineProperty(err, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
  }
  let stack = wire.stack ?? `${wire.name}: ${wire.message}`;
  if (localStack) {
    const frames = localStack.split('\n').slice(1).join('\n');
    if (frames) stack += `\n    --- received from another thread, at ---\n${frames}`;
  }
  Object.defineProperty(err, 'stack', { value: stack, enumerable: false, writable: true, configurable: true });
  return err;
}
