/**
 * Sender side of a call to a shipped function: the values it captures and the
 * functions among its arguments, made into what crosses to another thread.
 *
 * - A captured binding's value is read from the function's closure at each
 *   call (./inspector.ts) and copied: the green thread sees the value it had
 *   when it was spawned.
 * - A function value (captured, or passed as an argument) is shipped as code
 *   when it can be: it then runs in the green thread, with copies of what it
 *   captures. One that assigns or changes what it closes over, or uses what
 *   cannot be copied, stays on the hub: the green thread gets a function that
 *   parks it while the hub runs the real one (../sync/callback.ts).
 *
 * Runs on any thread (a green thread can spawn and pass functions too, but
 * only the hub can keep one of its functions for others to call).
 */
import { createRequire } from 'node:module';
import { carrierBackend } from '../backend.js';
import { OWN_API, ownPath } from '../own-files.js';
import { GreenClosureError, GreenCloneError, GreenShipError } from '../errors.js';
import { callbackMarker, callbackRef } from '../sync/callback.js';
import { copiesFaithfully, describeValue } from './faithful.js';
import { closureValues } from './inspector.js';
import type { Shipped, ShippedFunction } from './types.js';

/** How a shipped function value crosses: its code and what it captured. */
export interface ShippedValue {
  $greenFn: { shipped: ShippedFunction; captured: unknown[] };
}

type Describe = (fn: Function) => ShippedFunction;

/**
 * The arguments to send for `fn(...args)`: functions among them made
 * crossable, and, when the shipped function captures values, those values
 * in front, as one array.
 */
export function callArgs(fn: Function | URL, shipped: Shipped, args: unknown[], describe: Describe): unknown[] {
  const out = hasFunction(args) ? (crossable(args, describe, new Set()) as unknown[]) : args;
  if (shipped.kind !== 'function' || !shipped.captures?.length) return out;
  return [captured(fn as Function, shipped, describe, new Set()), ...out];
}

/** The values `fn` captures now, in the order of `shipped.captures`, made crossable. */
function captured(fn: Function, shipped: ShippedFunction, describe: Describe, busy: Set<Function>): unknown[] {
  let values: Map<string, unknown>;
  try {
    values = closureValues(fn, shipped.captures);
  } catch (e) {
    throw new GreenClosureError(shipped.captures[0].name, shipped.moduleUrl ?? '<unknown>', `which cannot be read from the function's closure (${(e as Error).message})`);
  }
  return shipped.captures.map(({ name, global, paths }) => {
    if (global && !values.has(name)) values.set(name, (globalThis as Record<string, unknown>)[name]);
    if (!values.has(name)) {
      throw new GreenClosureError(name, shipped.moduleUrl ?? '<unknown>', 'which V8 does not show in the closure of the function');
    }
    let value = values.get(name);
    // Of an object that cannot be copied whole (a request, a class instance), the properties the function reads.
    if (paths && !copiesFaithfully(value, true)) value = project(value, paths);
    if (!copiesFaithfully(value, true)) {
      throw new GreenClosureError(
        name,
        shipped.moduleUrl ?? '<unknown>',
        `which holds ${describeValue(value)}, which cannot be copied to another thread: pass the data it holds as an argument, or build it inside the green thread`,
        false,
      );
    }
    try {
      return crossable(value, describe, busy);
    } catch (e) {
      if (e instanceof GreenCloneError) {
        throw new GreenClosureError(name, shipped.moduleUrl ?? '<unknown>', `which holds ${e.message}`);
      }
      throw e;
    }
  });
}

/**
 * `value` with every function in it (at any depth of arrays, plain objects,
 * Maps and Sets) replaced by what crosses for it; containers are copied,
 * never changed.
 */
function crossable(value: unknown, describe: Describe, busy: Set<Function>, depth = 0): unknown {
  if (typeof value === 'function') return functionValue(value, describe, busy);
  if (value === null || typeof value !== 'object' || depth > 32 || !hasFunction(value)) return value;
  if (Array.isArray(value)) return value.map((v) => crossable(v, describe, busy, depth + 1));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [crossable(k, describe, busy, depth + 1), crossable(v, describe, busy, depth + 1)]));
  if (value instanceof Set) return new Set([...value].map((v) => crossable(v, describe, busy, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = crossable((value as Record<string, unknown>)[key], describe, busy, depth + 1);
  return out;
}

const verdicts = new WeakMap<Function, ShippedFunction | Error>();

/** greenthread's own exports, by value: they cross by name, and the other side takes its own. */
let own: Map<unknown, { file: string; key: string }> | undefined;
function ownExport(value: Function): { file: string; key: string } | undefined {
  if (!own) {
    own = new Map();
    const requireOwn = createRequire(import.meta.url);
    for (const file of OWN_API) {
      let exports: Record<string, unknown>;
      try {
        exports = requireOwn(ownPath(file)) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const [key, v] of Object.entries(exports)) {
        if ((typeof v === 'function' || (v !== null && typeof v === 'object')) && !own.has(v)) own.set(v, { file, key });
      }
    }
  }
  return own.get(value);
}

function functionValue(fn: Function, describe: Describe, busy: Set<Function>): unknown {
  const ref = callbackRef(fn);
  if (ref) return { $green: ref };
  const api = ownExport(fn);
  if (api) return { $greenOwn: api };
  let verdict = verdicts.get(fn);
  if (!verdict) {
    try {
      verdict = describe(fn);
    } catch (e) {
      if (!(e instanceof GreenClosureError) && !(e instanceof GreenShipError)) throw e;
      verdict = e;
    }
    verdicts.set(fn, verdict);
  }
  if (!(verdict instanceof Error) && !busy.has(fn)) {
    busy.add(fn);
    try {
      const values = verdict.captures?.length ? captured(fn, verdict, describe, busy) : [];
      return { $greenFn: { shipped: verdict, captured: values } } satisfies ShippedValue;
    } catch (e) {
      if (!(e instanceof GreenClosureError) && !(e instanceof GreenShipError)) throw e;
      verdict = e;
    } finally {
      busy.delete(fn);
    }
  }
  if (/^class\b/.test(Function.prototype.toString.call(fn))) {
    throw new GreenCloneError(`the class \`${fn.name}\`, which cannot be rebuilt in a green thread (${(verdict as Error).message})`);
  }
  if (carrierBackend()) {
    throw new GreenCloneError(
      `the function \`${fn.name || 'anonymous'}\` cannot run in another green thread (${whyNot(verdict as Error)}), ` +
        `and only the hub thread can keep a function for green threads to call back, not a green thread (under \`greenthread run\` the app is one). ` +
        `Return the data instead (\`await g.result\`), or send it back through a Queue that this green thread reads`,
    );
  }
  return callbackMarker(fn);
}

/** A function anywhere in `value` (arrays, plain objects, Maps, Sets), looked for within a budget. */
function hasFunction(value: unknown, budget = { left: 10_000 }, depth = 0): boolean {
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object' || depth > 32 || --budget.left < 0) return false;
  if (ArrayBuffer.isView(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) return value.some((v) => hasFunction(v, budget, depth + 1));
  if (value instanceof Map) return [...value].some(([k, v]) => hasFunction(k, budget, depth + 1) || hasFunction(v, budget, depth + 1));
  if (value instanceof Set) return [...value].some((v) => hasFunction(v, budget, depth + 1));
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).some((v) => hasFunction(v, budget, depth + 1));
}

/** A plain copy of just `paths` of `value`: `req` read as `req.query.n` becomes `{ query: { n } }`. */
function project(value: unknown, paths: string[][]): unknown {
  const out: Record<string, unknown> = {};
  const whole = new Set<string>();
  for (const path of [...paths].sort((a, b) => a.length - b.length)) {
    const key = path.join('.');
    if (path.some((_, i) => whole.has(path.slice(0, i).join('.')))) continue;
    whole.add(key);
    let v: unknown = value;
    for (const p of path) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[p];
    let at = out;
    for (const p of path.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[path[path.length - 1]] = v;
  }
  return out;
}

function whyNot(err: Error): string {
  if (err instanceof GreenClosureError) return `it assigns, changes or cannot copy \`${err.identifier}\`, declared at ${err.location}`;
  return err.message;
}

/**
 * The class named `name` among what `fn`'s module gives it (its imports,
 * requires, shipped declarations and captured values, or a property of one
 * of them: `yaml.YAMLException`), read from `fn`'s closure; undefined when
 * none is an Error class of that name.
 */
export function errorClassOf(fn: Function, shipped: ShippedFunction, name: string): Function | undefined {
  const names = [
    ...shipped.imports.map((i) => ({ name: i.local, outer: true })),
    ...shipped.requires.map((r) => ({ name: r.local, outer: true })),
    ...shipped.declarations.map((d) => ({ name: d.name, outer: true })),
    ...(shipped.captures ?? []).map((c) => ({ name: c.name, outer: c.outer })),
  ];
  if (!names.length) return undefined;
  let values: Map<string, unknown>;
  try {
    values = closureValues(fn, names);
  } catch {
    return undefined;
  }
  const isErrorClass = (v: unknown): v is Function =>
    typeof v === 'function' && v.name === name && (v === Error || (v.prototype as object | undefined) instanceof Error);
  for (const value of values.values()) {
    if (isErrorClass(value)) return value;
    if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
      let member: unknown;
      try {
        member = (value as Record<string, unknown>)[name];
      } catch {
        continue;
      }
      if (isErrorClass(member)) return member;
    }
  }
  return undefined;
}
