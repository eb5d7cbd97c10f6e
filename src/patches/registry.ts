/**
 * The one registry of saved originals, and the only code that writes to
 * Node's module objects. Patching only ever adds: patching a name twice keeps
 * the first original.
 *
 * Runs on every thread.
 */
import { syncBuiltinESMExports } from 'node:module';
import { GreenArgumentError } from '../errors.js';

const saved = new Map<string, Map<string, unknown>>();
const counters = new Map<string, { n: number }>();

/**
 * The call counter of a patched function, `module.name`: the function
 * increments `n` on every call. One object per name, so a function patched
 * again (a second monkeyPatch) keeps counting in the same place.
 */
export function counter(moduleName: string, name: string): { n: number } {
  const key = `${moduleName}.${name}`;
  let c = counters.get(key);
  if (!c) counters.set(key, (c = { n: 0 }));
  return c;
}

/**
 * How many times each patched function was called on this thread (in a
 * green thread: on its carrier, since the carrier started), by
 * `module.name`. Proof that a library really goes through the patch, and
 * did not capture Node's function before monkeyPatch ran.
 *
 * @example
 * ```ts
 * spawn(() => {
 *   const before = patchCounts()['fs.readFileSync'] ?? 0
 *   require('some-lib').load('config.json')
 *   return patchCounts()['fs.readFileSync'] - before  // > 0
 * })
 * ```
 */
export function patchCounts(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, c] of counters) if (c.n > 0) out[key] = c.n;
  return out;
}

/** Replaces `names` of `target` (the module object of `moduleName`), saving the originals. */
export function patchModule(moduleName: string, target: Record<string, unknown>, replacements: Record<string, unknown>): void {
  let originals = saved.get(moduleName);
  if (!originals) saved.set(moduleName, (originals = new Map()));
  for (const [name, green] of Object.entries(replacements)) {
    if (!originals.has(name)) originals.set(name, target[name]);
    target[name] = green;
  }
  // ESM named imports of builtins (import { execSync } from 'node:child_process') read a snapshot: refresh it.
  syncBuiltinESMExports();
}

/**
 * Node's own function that a patch replaced.
 *
 * @example
 * ```ts
 * const realExecSync = getOriginal('child_process', 'execSync')
 * ```
 */
export function getOriginal<T = Function>(moduleName: string, name: string): T {
  const original = saved.get(normalize(moduleName))?.get(name);
  if (original === undefined) throw new GreenArgumentError(`${moduleName}.${name} is not patched; use the module's own function`);
  return original as T;
}

/**
 * Whether a module, or one of its functions, has been made green.
 *
 * @example
 * ```ts
 * monkeyPatch({ childProcess: true })
 * isPatched('child_process')             // true
 * isPatched('child_process', 'execSync') // true
 * ```
 */
export function isPatched(moduleName: string, name?: string): boolean {
  const originals = saved.get(normalize(moduleName));
  if (!originals) return false;
  return name === undefined ? originals.size > 0 : originals.has(name);
}

function normalize(moduleName: string): string {
  return moduleName.startsWith('node:') ? moduleName.slice(5) : moduleName;
}
