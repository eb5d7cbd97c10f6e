/**
 * monkeyPatch(): makes Node's blocking calls green, module by module.
 *
 * Runs in carriers (on the hub, patched calls fall back to Node's own).
 */
import { carrierBackend } from '../backend.js';
import { GreenArgumentError } from '../errors.js';
import { getHub } from '../hub-access.js';
import { patchChildProcess } from './child-process.js';
import { patchDns } from './dns.js';
import { patchFs } from './fs.js';
import { patchNet } from './net.js';
import { patchFibers } from './fibers.js';
import { patchProcess } from './process.js';
import { warnLatePatch } from './late.js';
import { FLAGS, KNOWN, type PatchOptions } from './options.js';

export { patchesWithout, type PatchOptions } from './options.js';

/**
 * Makes blocking calls of Node's modules green: inside a green thread they
 * park it while the hub does the work, so other green threads go on. Call it
 * before other imports, since libraries copy functions when they load.
 *
 * Every carrier is patched the same, whether monkeyPatch() runs on the hub
 * or in a green thread. child_process's blocking calls park; node:dns gains
 * lookupSync/resolveSync; process.chdir/cwd become per green thread and fs
 * follows them (fs calls run in the carrier itself: a carrier's own syscall
 * blocks only its own green thread). Called after other modules were
 * loaded, it warns once and names them: they may hold Node's functions.
 * `require('fibers')` loads greenthread's node-fibers API.
 *
 * @example
 * ```ts
 * import { monkeyPatch, spawn } from 'greenthread'
 * monkeyPatch()
 * import { execSync } from 'node:child_process'
 * spawn(() => execSync('sleep 1'))  // parks this green thread only
 * ```
 */
export function monkeyPatch(options: PatchOptions = {}): void {
  if (options === null || typeof options !== 'object') throw new GreenArgumentError('monkeyPatch(options): options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new GreenArgumentError(`monkeyPatch(options): unknown option '${key}'; known: ${[...KNOWN].join(', ')}`);
  }
  const effective: PatchOptions = {};
  for (const flag of FLAGS) effective[flag] = options[flag] ?? true;
  warnLatePatch();
  applyPatches(effective);
  // Every isolate has its own module objects: the hub patches every carrier the same.
  const b = carrierBackend();
  if (b) b.patched(effective);
  else getHub().addPatches(effective);
}

/** @internal Patches this isolate's modules. */
export function applyPatches(options: PatchOptions): void {
  if (options.childProcess) patchChildProcess();
  if (options.dns) patchDns();
  if (options.fs) patchFs();
  if (options.process) patchProcess();
  if (options.net) patchNet();
  if (options.fibers) patchFibers();
}
