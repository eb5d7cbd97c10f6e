/**
 * monkeyPatch()'s options, and the CLI's `--no-patch` turned into them:
 * what `greenthread run` needs before it loads the patches themselves.
 *
 * Runs on every thread.
 */
import { GreenArgumentError } from '../errors.js';

/** One flag per module; patching only ever adds (a second call patches the union). */
export interface PatchOptions {
  /** `execSync`, `execFileSync`, `spawnSync` park the green thread while the hub runs the child. Default true. */
  childProcess?: boolean;
  /** Adds `lookupSync` and `resolveSync` to node:dns. Default true. */
  dns?: boolean;
  /** Every fs function: relative paths follow the green thread's own directory; calls are counted. Default true. */
  fs?: boolean;
  /** `process.chdir` and `process.cwd` work in green threads, per green thread. Default true. */
  process?: boolean;
  /** Adds `net.listenSync` and `net.connectSync` (greenthread's blocking sockets) to node:net. Default true. */
  net?: boolean;
  /**
   * `require('fibers')` and `require('fibers/future')` (and, on Node >= 22.15,
   * `import ... from 'fibers'`) load greenthread's node-fibers API, also over
   * a copy of node-fibers in node_modules. Default true.
   */
  fibers?: boolean;
  /**
   * Accepted for symmetry with gevent; nothing to replace. Node has no
   * blocking timer call: {@link sleep} is the green sleep, and a green
   * thread's own setTimeout runs on its own event loop (see the README).
   */
  timers?: boolean;
}

export type Flag = 'childProcess' | 'dns' | 'fs' | 'process' | 'net' | 'fibers';
export const FLAGS: readonly Flag[] = ['childProcess', 'dns', 'fs', 'process', 'net', 'fibers'];
export const KNOWN = new Set<string>([...FLAGS, 'timers']);

/** Node module names as `--no-patch` takes them, and their options. */
const MODULE_FLAGS: Record<string, Flag> = { child_process: 'childProcess', childProcess: 'childProcess', dns: 'dns', fs: 'fs', process: 'process', net: 'net', fibers: 'fibers' };

/**
 * @internal The options that patch every module except those named in `exclude`
 * (comma-separated Node module names; 'all' excludes every one).
 */
export function patchesWithout(exclude: string | undefined): PatchOptions {
  const options: PatchOptions = {};
  for (const flag of FLAGS) options[flag] = true;
  for (const name of (exclude ?? '').split(',').map((n) => n.trim()).filter(Boolean)) {
    if (name === 'all') return Object.fromEntries(FLAGS.map((f) => [f, false]));
    if (name === 'timers') continue;
    const flag = MODULE_FLAGS[name.replace(/^node:/, '')];
    if (!flag) throw new GreenArgumentError(`--no-patch: unknown module '${name}'; known: child_process, dns, fibers, fs, net, process, timers`);
    options[flag] = false;
  }
  return options;
}

/**
 * @internal The options after `add` joins `base`: patching only ever adds,
 * so a flag on in either is on (what carriers are given; the hub and
 * `greenthread run`'s early carrier must agree on it).
 */
export function unionPatches(base: PatchOptions | undefined, add: PatchOptions): PatchOptions {
  const union: PatchOptions = { ...base };
  for (const [k, v] of Object.entries(add)) if (v !== false) (union as Record<string, boolean>)[k] = true;
  return union;
}
