/**
 * fs, green: every function of node:fs and node:fs/promises, with relative
 * paths resolved against the green thread's own working directory (see
 * process.ts), and each call counted (patchCounts()).
 *
 * Where each call runs, decided by measurement (BENCHMARKS.md, "fs"): in the
 * carrier itself, never parked on the hub. A carrier is an OS thread of its
 * own, so its syscall blocks only its own green thread while the others go
 * on, exactly what parking would give; and a local file call (stat about
 * 2 µs, a 4 KB read about 8 µs) costs a fraction of one park through the hub
 * (50 to 70 µs on the reference machine), so parking would make every call
 * 5 to 30 times slower for nothing. Module loading, which calls readFileSync
 * and realpathSync with absolute paths, passes straight through.
 *
 * What differs from Node's module: nothing in results or errors while a
 * green thread has not called process.chdir (arguments pass through
 * untouched). After it has, relative paths resolve against its directory;
 * errors still name the path as the caller gave it, and mkdtemp returns a
 * relative prefix's result relative; paths Node echoes back on objects
 * (Dirent.parentPath, Dir.path, ReadStream.path) are absolute.
 * Reads from a pipe or terminal also run in the carrier: they block only
 * their own green thread, but a kill or Timeout takes effect once the read
 * returns.
 *
 * Runs on every thread (on the hub the functions only count: its directory
 * is the process's).
 */
import fs from 'node:fs';
import { cwdState, resolveGreen } from './cwd.js';
import { counter, patchModule } from './registry.js';

/** Which arguments are paths, by function name (the Sync and promise forms share the entry). */
const PATH_ARGS: Record<string, readonly number[]> = {
  access: [0], appendFile: [0], chmod: [0], chown: [0], copyFile: [0, 1], cp: [0, 1], exists: [0],
  lchmod: [0], lchown: [0], link: [0, 1], lstat: [0], lutimes: [0], mkdir: [0], mkdtemp: [0], mkdtempDisposable: [0],
  open: [0], openAsBlob: [0], opendir: [0], readdir: [0], readFile: [0], readlink: [0],
  realpath: [0], rename: [0, 1], rm: [0], rmdir: [0], stat: [0], statfs: [0],
  // A symlink's target is stored as written: only where the link goes is a path to resolve.
  symlink: [1],
  truncate: [0], unlink: [0], utimes: [0], writeFile: [0],
  createReadStream: [0], createWriteStream: [0], watch: [0], watchFile: [0], unwatchFile: [0],
};
const NONE: readonly number[] = [];
const PROMISIFY_CUSTOM = Symbol.for('nodejs.util.promisify.custom');

/** Node's glob defaults its root to the process's directory: give it the green thread's. */
const GLOB = new Set(['glob', 'globSync']);

/** How a function gives its result: returned (Sync functions, streams, watchers), to a callback, or as a promise. */
type Kind = 'returns' | 'callback' | 'promise';

/** Rewrites an error that names a resolved path back to the path the caller gave. */
function restore(err: unknown, pairs: Array<[string, string]>): unknown {
  if (!(err instanceof Error)) return err;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  for (const [abs, given] of pairs) {
    if (e.path === abs) e.path = given;
    if (e.dest === abs) e.dest = given;
    const quoted = `'${abs}'`;
    if (e.message.includes(quoted)) {
      e.message = e.message.replace(quoted, `'${given}'`);
      if (e.stack) e.stack = e.stack.replace(quoted, `'${given}'`);
    }
  }
  return err;
}

/** `base` is the function's name without Sync: the key into PATH_ARGS. */
function wrap(moduleName: string, name: string, base: string, original: Function, kind: Kind, nested = false): Function {
  const positions = PATH_ARGS[base] ?? NONE;
  const glob = GLOB.has(name);
  const relativeResult = base === 'mkdtemp' || base === 'mkdtempDisposable';
  const calls = counter(moduleName, name);

  function resolved(self: unknown, args: unknown[]): unknown {
    if (glob) {
      // glob(pattern, options?, callback?): add a cwd unless the caller gave one.
      if (typeof args[1] === 'function') args.splice(1, 0, { cwd: cwdState.dir });
      else if (args[1] === undefined || args[1] === null) args[1] = { cwd: cwdState.dir };
      else if (typeof args[1] === 'object' && (args[1] as { cwd?: unknown }).cwd === undefined) args[1] = { ...(args[1] as object), cwd: cwdState.dir };
      return Reflect.apply(original, self, args);
    }
    const pairs: Array<[string, string]> = [];
    for (const i of positions) {
      const given = args[i];
      const abs = resolveGreen(given);
      if (abs === given) continue;
      args[i] = abs;
      pairs.push([String(abs), String(given)]);
    }
    if (pairs.length === 0) return Reflect.apply(original, self, args);
    const [abs, given] = pairs[0]!;
    const relative = (r: string) => (r.startsWith(abs) ? given + r.slice(abs.length) : r);
    const back = (r: unknown) => {
      if (!relativeResult) return r;
      if (typeof r === 'string') return relative(r);
      // mkdtempDisposable: an object whose path is the directory made
      if (r !== null && typeof r === 'object' && typeof (r as { path?: unknown }).path === 'string') (r as { path: string }).path = relative((r as { path: string }).path);
      return r;
    };
    if (kind === 'returns') {
      try {
        return back(Reflect.apply(original, self, args));
      } catch (err) {
        throw restore(err, pairs);
      }
    }
    if (kind === 'callback') {
      const last = args.length - 1;
      const cb = args[last];
      if (typeof cb === 'function') {
        args[last] = function (this: unknown, err: unknown, ...rest: unknown[]) {
          return Reflect.apply(cb, this, [err ? restore(err, pairs) : err, ...rest.map(back)]);
        };
      }
      return Reflect.apply(original, self, args);
    }
    return (Reflect.apply(original, self, args) as Promise<unknown>).then(back, (err) => {
      throw restore(err, pairs);
    });
  }

  const green = function (this: unknown, ...args: unknown[]): unknown {
    calls.n++;
    if (cwdState.dir === undefined || (positions === NONE && !glob)) return Reflect.apply(original, this, args);
    return resolved(this, args);
  };
  Object.defineProperty(green, 'name', { value: original.name });
  Object.defineProperty(green, 'length', { value: original.length });
  // realpath.native, exists' promisified form (which names itself as its own), read's promisify argument names...
  for (const key of nested ? [] : Reflect.ownKeys(original)) {
    if (key === 'length' || key === 'name' || key === 'prototype') continue;
    const value = (original as unknown as Record<PropertyKey, unknown>)[key];
    const own = typeof value !== 'function' ? value
      : key === 'native' ? wrap(moduleName, `${name}.native`, base, value, kind, true)
      : key === PROMISIFY_CUSTOM ? wrap(moduleName, `${name}[promisify.custom]`, base, value, 'promise', true)
      : value;
    Object.defineProperty(green, key, { ...Object.getOwnPropertyDescriptor(original, key), value: own });
  }
  return green;
}

/** Path-taking functions that return neither a promise nor take a callback last. */
const PLAIN = new Set(['createReadStream', 'createWriteStream', 'watch', 'watchFile', 'unwatchFile', 'openAsBlob']);

function kindOf(name: string): Kind | undefined {
  if (name.endsWith('Sync') || PLAIN.has(name)) return 'returns';
  if (name in PATH_ARGS || GLOB.has(name)) return 'callback';
  return undefined;
}

let patched = false;

/** Makes fs and fs/promises green (once: a second call would wrap the wrappers). */
export function patchFs(): void {
  if (patched) return;
  patched = true;
  const replacements: Record<string, unknown> = {};
  const target = fs as unknown as Record<string, unknown>;
  for (const name of Object.keys(target)) {
    const value = target[name];
    const kind = kindOf(name);
    if (typeof value === 'function' && kind) replacements[name] = wrap('fs', name, name.endsWith('Sync') ? name.slice(0, -4) : name, value, kind);
  }
  patchModule('fs', target, replacements);

  const promises = fs.promises as unknown as Record<string, unknown>;
  const promiseReplacements: Record<string, unknown> = {};
  for (const name of Object.keys(promises)) {
    const value = promises[name];
    if (typeof value === 'function' && (name in PATH_ARGS || GLOB.has(name))) promiseReplacements[name] = wrap('fs/promises', name, name, value, name === 'watch' || name === 'glob' ? 'returns' : 'promise');
  }
  patchModule('fs/promises', promises, promiseReplacements);
}
