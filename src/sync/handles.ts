/**
 * Handles: how an object that lives in the hub (Event, Semaphore, Queue,
 * GreenPool) is named in every isolate and survives being passed around.
 *
 * A facade carries one own enumerable property, `$green: { k, id }`, so
 * structured clone turns it into a plain marker; `revive` turns markers back
 * into facades on the receiving side.
 *
 * Lifetime is reference counted in the hub. Every facade owns at least one
 * reference; a stored value (a queue item, a spawn's arguments, an event's
 * value) owns one per marker in it; the hub adds one per marker each time it
 * delivers a value to an isolate, and the facades `revive` makes there own
 * those. When a facade is garbage collected its references are released
 * (on the hub directly, from a carrier in a batched message), and an object
 * with none left is freed.
 *
 * Runs on every thread.
 */
import { GreenArgumentError } from '../errors.js';

export const HANDLE = '$green';

export interface HandleRef {
  k: string;
  id: number;
}

/** Base of every facade of a hub object. */
export class HubHandle {
  /** @internal The handle; the only own enumerable property, so it is what crosses threads. */
  declare readonly $green: HandleRef;

  /** @internal */
  constructor(ref: HandleRef) {
    Object.defineProperty(this, HANDLE, { value: Object.freeze({ ...ref }), enumerable: true });
  }
}

type Make = (ref: HandleRef) => HubHandle;
const kinds = new Map<string, Make>();

/** @internal Each facade class registers how to make itself from a handle. */
export function registerKind(kind: string, make: Make): void {
  kinds.set(kind, make);
}

// ---- this isolate's facades and the references they own ----

interface Owned {
  refs: number;
}
const live = new Map<number, { ref: WeakRef<HubHandle>; owned: Owned }>();
let releaseSink: ((id: number, refs: number) => void) | undefined;

const finalizer = new FinalizationRegistry<{ id: number; owned: Owned }>(({ id, owned }) => {
  const entry = live.get(id);
  if (entry && entry.owned === owned) live.delete(id);
  releaseSink?.(id, owned.refs);
});

/** @internal Facades alive in this isolate (some may be collectable). */
export function liveHandles(): number {
  return live.size;
}

/** @internal Where released references go: the hub's registry, or a carrier's message to the hub. */
export function setReleaseSink(sink: (id: number, refs: number) => void): void {
  releaseSink = sink;
}

/**
 * @internal The facade of `ref` in this isolate, owning `refs` more references:
 * the live one if there is one, else a new one.
 */
export function adopt<T extends HubHandle>(ref: HandleRef, refs = 1): T {
  const entry = live.get(ref.id);
  const existing = entry?.ref.deref();
  if (existing && entry) {
    entry.owned.refs += refs;
    return existing as T;
  }
  const make = kinds.get(ref.k);
  if (!make) throw new GreenArgumentError(`unknown kind of hub object '${ref.k}'`);
  return track(make(ref), refs) as T;
}

/** @internal Makes `facade` this isolate's facade of its object, owning `refs` references. */
export function track<T extends HubHandle>(facade: T, refs = 1): T {
  const id = facade.$green.id;
  const owned = { refs };
  live.set(id, { ref: new WeakRef(facade), owned });
  finalizer.register(facade, { id, owned });
  return facade;
}

/** @internal A facade of class `cls` for an existing object, without running its constructor. */
export function facadeOf<T extends HubHandle>(cls: { prototype: T }, ref: HandleRef): T {
  const facade = Object.create(cls.prototype) as T;
  Object.defineProperty(facade, HANDLE, { value: Object.freeze({ ...ref }), enumerable: true });
  return facade;
}

function isMarker(v: unknown): v is { $green: HandleRef } {
  if (v === null || typeof v !== 'object' || v instanceof HubHandle) return false;
  const h = (v as Record<string, unknown>)[HANDLE] as HandleRef | undefined;
  return !!h && typeof h === 'object' && typeof h.k === 'string' && typeof h.id === 'number' && Object.keys(v).length === 1;
}

function isContainer(v: unknown): v is object {
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return false;
  const proto = Object.getPrototypeOf(v);
  return Array.isArray(v) || v instanceof Map || v instanceof Set || proto === Object.prototype || proto === null;
}

/** Handle ids in `value`, once per occurrence: facades and markers, in arrays, plain objects, Maps and Sets. */
export function collect(value: unknown, out: number[] = [], depth = 0): number[] {
  if (value instanceof HubHandle) out.push(value.$green.id);
  else if (isMarker(value)) out.push(value.$green.id);
  else if (depth < 32 && isContainer(value)) {
    const items = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value);
    for (const item of items) collect(item, out, depth + 1);
  }
  return out;
}

/**
 * Replaces markers in a value just received with facades, each owning the
 * reference that came with its delivery. Returns the (same, mutated) value.
 */
export function revive<T>(value: T, depth = 0): T {
  if (isMarker(value)) return adopt(value.$green) as T;
  if (depth >= 32 || !isContainer(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i], depth + 1);
  } else if (value instanceof Map) {
    const entries = [...value.entries()];
    value.clear();
    for (const [k, v] of entries) value.set(revive(k, depth + 1), revive(v, depth + 1));
  } else if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const item of items) value.add(revive(item, depth + 1));
  } else {
    for (const key of Object.keys(value)) (value as Record<string, unknown>)[key] = revive((value as Record<string, unknown>)[key], depth + 1);
  }
  return value;
}
