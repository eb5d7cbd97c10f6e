/**
 * Whether a value survives structured clone as what it is, and how to name
 * one that does not, for messages.
 *
 * Runs on any thread.
 */
const CLONEABLE = new Set<unknown>([Object.prototype, null, Array.prototype, Map.prototype, Set.prototype, Date.prototype, RegExp.prototype]);

/**
 * Structured clone gives back what `value` is: plain data (objects, arrays,
 * Maps, Sets, dates, buffers, errors) all the way down, no functions, no
 * class instances (whose methods would be lost in the copy). Hub objects
 * (Event, Queue, ...) travel as themselves. `functions`: count functions as
 * copyable (the caller ships them or calls them on the hub).
 */
export function copiesFaithfully(value: unknown, functions = false, budget = { left: 10_000 }, depth = 0): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return typeof value !== 'symbol';
  if (typeof value === 'function') return functions;
  if (--budget.left < 0 || depth > 64) return true; // too big to walk: structured clone judges
  if ('$green' in value && Object.keys(value).length === 1) return true;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return true;
  if (value instanceof Error) return true;
  const proto = Object.getPrototypeOf(value);
  if (!CLONEABLE.has(proto)) return isHubHandle(value);
  if (value instanceof Map) {
    for (const [k, v] of value) if (!copiesFaithfully(k, functions, budget, depth + 1) || !copiesFaithfully(v, functions, budget, depth + 1)) return false;
    return true;
  }
  if (value instanceof Set) {
    for (const v of value) if (!copiesFaithfully(v, functions, budget, depth + 1)) return false;
    return true;
  }
  if (value instanceof Date || value instanceof RegExp) return true;
  for (const key of Object.keys(value)) {
    if (!copiesFaithfully((value as Record<string, unknown>)[key], functions, budget, depth + 1)) return false;
  }
  return true;
}

function isHubHandle(value: object): boolean {
  const ref = (value as { $green?: unknown }).$green;
  return !!ref && typeof ref === 'object' && typeof (ref as { id?: unknown }).id === 'number';
}

export /** "a URL", "an object of class Pool", for messages. */
function describeValue(value: unknown): string {
  const name = (value as { constructor?: { name?: string } })?.constructor?.name;
  if (!name || name === 'Object') return 'an object with functions in it';
  return /^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`;
}
