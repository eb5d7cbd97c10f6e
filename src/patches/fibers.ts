/**
 * fibers, green: `require('fibers')` and `require('fibers/future')` load
 * greenthread's node-fibers API (`greenthread/fibers`, `greenthread/future`),
 * so that fibers-era programs and the libraries built on node-fibers run
 * unmodified. node-fibers itself is a native addon that no current Node
 * builds; a copy of it in node_modules (installed without its build) is
 * passed over: its `fibers.js` and `future.js` resolve to the shim too, also
 * when reached by a relative path from inside the package.
 *
 * CommonJS goes through `Module._resolveFilename`, which every thread has.
 * `import Fiber from 'fibers'` needs a module hook: module.registerHooks
 * (Node >= 22.15) runs in the thread that registers it, workers included.
 * Older Node runs no module hooks in worker threads, where applications run
 * under `greenthread run`: there, ES modules reach the shim by its own name.
 *
 * Runs on every thread.
 */
import Module from 'node:module';
import * as nodeModule from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ownFile, ownPath } from '../own-files.js';
import { patchModule } from './registry.js';

/** The names this patch replaces (of node:module). */
export const implementsNames = ['_resolveFilename'] as const;

const SHIM = { fibers: ownPath('fibers/index.js'), future: ownPath('fibers/future-entry.js') };

/** The shim a request names by itself, before any lookup: node-fibers' public entry points. */
function byName(request: string): string | undefined {
  switch (request) {
    case 'fibers':
    case 'fibers/fibers':
    case 'fibers/fibers.js':
      return SHIM.fibers;
    case 'fibers/future':
    case 'fibers/future.js':
      return SHIM.future;
  }
  return undefined;
}

/** Directories found to hold (or not) a package named `fibers`. */
const isFibersPackage = new Map<string, boolean>();

/** The shim standing in for `file`, if it is an entry of a node-fibers package found on disk. */
function byFile(file: string): string | undefined {
  const base = path.basename(file);
  if (base !== 'fibers.js' && base !== 'future.js') return undefined;
  const dir = path.dirname(file);
  let known = isFibersPackage.get(dir);
  if (known === undefined) {
    try {
      known = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'fibers';
    } catch {
      known = false;
    }
    isFibersPackage.set(dir, known);
  }
  if (!known) return undefined;
  return base === 'fibers.js' ? SHIM.fibers : SHIM.future;
}

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;
type ResolveHook = (specifier: string, context: object, next: (s: string, c: object) => { url: string }) => { url: string; shortCircuit?: boolean };
const registerHooks = (nodeModule as unknown as { registerHooks?: (hooks: { resolve: ResolveHook }) => unknown }).registerHooks;

let done = false;

/**
 * Makes `fibers` and `fibers/future` resolve to greenthread's shim in this
 * thread; once a program has loaded them, in the node processes it starts
 * too (see hooks/fibers-children.ts).
 */
export function patchFibers(): void {
  if (done) return;
  done = true;
  const M = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = M._resolveFilename;
  const resolveFilename: ResolveFilename = function (this: unknown, request, parent, isMain, options) {
    let shim = byName(request);
    if (!shim) {
      const file = original.call(this, request, parent, isMain, options);
      shim = byFile(file);
      if (!shim) return file;
    }
    reachChildren();
    return shim;
  };
  patchModule('module', M as unknown as Record<string, unknown>, { _resolveFilename: resolveFilename });
  if (typeof registerHooks !== 'function') return;
  const url = { fibers: pathToFileURL(SHIM.fibers).href, future: pathToFileURL(SHIM.future).href };
  registerHooks({
    resolve(specifier, context, next) {
      const shim = byName(specifier);
      if (shim) {
        reachChildren();
        return { url: shim === SHIM.fibers ? url.fibers : url.future, shortCircuit: true };
      }
      const resolved = next(specifier, context);
      const file = resolved.url.startsWith('file:') ? byFile(fileURLToPath(resolved.url)) : undefined;
      if (file) reachChildren();
      return file ? { ...resolved, url: file === SHIM.fibers ? url.fibers : url.future, shortCircuit: true } : resolved;
    },
  });
}

/**
 * Adds the children's preload to NODE_OPTIONS, which node processes started
 * from here inherit with the environment (a program that starts itself again
 * as a child, as node-fibers programs did, finds fibers there). Only once the
 * program loaded fibers: other programs' node children load nothing more.
 */
function reachChildren(): void {
  const preload = `--import=${JSON.stringify(ownFile('hooks/fibers-children.js').href)}`;
  const options = process.env.NODE_OPTIONS ?? '';
  if (!options.includes(preload)) process.env.NODE_OPTIONS = options ? `${options} ${preload}` : preload;
}
