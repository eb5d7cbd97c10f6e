/**
 * process, green: `process.chdir` and `process.cwd` work in green threads,
 * each green thread having its own working directory.
 *
 * Worker threads cannot chdir (the process has one working directory, and
 * Node refuses with ERR_WORKER_UNSUPPORTED_OPERATION). A green thread starts
 * in the directory of the green thread that spawned it (the process's
 * directory when spawned from the hub); process.chdir changes only its own,
 * and relative paths in patched fs and child_process calls resolve against
 * it. What differs from Node's module: nothing in results or errors
 * (ENOENT, ENOTDIR, EACCES with Node's message, path and dest); the process's
 * own directory, which unpatched code and native addons see, never changes.
 *
 * `process.exit` needs no patch here: `greenthread run` forwards it from
 * every green thread to the hub, which exits the process.
 *
 * Runs in carriers; on the hub the process's own chdir and cwd stay.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { carrierBackend } from '../backend.js';
import { cwdState } from './cwd.js';
import { patchModule } from './registry.js';

/** The names this patch replaces. */
export const implementsNames = ['chdir', 'cwd'] as const;

const processCwd = process.cwd.bind(process);

function greenCwd(): string {
  return cwdState.dir ?? processCwd();
}

function received(value: unknown): string {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') return `Received ${value.constructor?.name ? `an instance of ${value.constructor.name}` : util.inspect(value, { depth: -1 })}`;
  return `Received type ${typeof value} (${util.inspect(value)})`;
}

function chdirError(errno: number, from: string, dest: string): NodeJS.ErrnoException {
  const [code, description] = util.getSystemErrorMap().get(errno) ?? ['UNKNOWN', 'unknown error'];
  const err = new Error(`${code}: ${description}, chdir '${from}' -> '${dest}'`) as NodeJS.ErrnoException & { dest: string };
  Object.assign(err, { errno, code, syscall: 'chdir', path: from, dest });
  return err;
}

function greenChdir(directory: string): void {
  if (typeof directory !== 'string') {
    const err = new TypeError(`The "directory" argument must be of type string. ${received(directory)}`) as NodeJS.ErrnoException;
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }
  const from = greenCwd();
  const target = path.resolve(from, directory);
  let real: string;
  try {
    // getcwd() reports the physical directory after chdir: so does this.
    real = fs.realpathSync.native(target);
    if (!fs.statSync(real).isDirectory()) throw chdirError(-os.constants.errno.ENOTDIR, from, directory);
    fs.accessSync(real, fs.constants.X_OK);
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).errno;
    if ((err as NodeJS.ErrnoException).syscall === 'chdir' || typeof errno !== 'number') throw err;
    throw chdirError(errno, from, directory);
  }
  cwdState.dir = real;
}

/**
 * Tells libraries that wrap process.chdir to drop a cached working directory
 * (graceful-fs, and fs-extra through it, cache process.cwd() and clear the
 * cache in their chdir) that the green thread now running on this carrier
 * has another directory than the one before: the wrapped chdir runs, with
 * that directory, and the green thread's own state is set back as it was.
 * Nothing happens while nobody wrapped greenthread's chdir.
 */
export function announceCwd(dir: string | undefined): void {
  if (process.chdir === greenChdir || !carrierBackend()) return;
  try {
    process.chdir(dir ?? processCwd());
  } catch {
    // The directory is gone: the green thread's calls will say so themselves.
  }
  cwdState.dir = dir;
}

/** Gives green threads their own working directory. A no-op on the hub, whose process.chdir works. */
export function patchProcess(): void {
  if (!carrierBackend()) return;
  patchModule('process', process as unknown as Record<string, unknown>, { chdir: greenChdir, cwd: greenCwd });
}
