/**
 * child_process, green: `spawnSync`, `execSync` and `execFileSync` park the
 * green thread while the hub runs the child asynchronously. All three are
 * replaced, since Node's execSync and execFileSync call its internal
 * spawnSync, not the exported one.
 *
 * What differs from Node's module: nothing in results or errors (status,
 * signal, pid, output, stdout/stderr by encoding, error for ENOENT,
 * ETIMEDOUT, ENOBUFS; input, cwd, env, shell, timeout with killSignal,
 * maxBuffer, stdio). In addition, killing the green thread or a Timeout
 * firing in it kills the child. A child started in a green thread, by these
 * or by spawn/exec/execFile/fork, starts in the green thread's own working
 * directory (see process.ts) unless given a cwd.
 *
 * On the hub thread (not a green thread) nothing can park: with the optional
 * deasync installed the hub runs the child asynchronously and keeps its
 * event loop turning until it ends (see hub/block-on-hub.ts); without it the
 * original blocking call runs, with a one-time warning.
 *
 * Runs in carriers (and falls back on the hub).
 */
import childProcess from 'node:child_process';
import path from 'node:path';
import { carrierBackend } from '../backend.js';
import type { ChildReply, ChildRequest, StdioEntry } from '../channel/child.js';
import { hubBlocking } from '../hub-access.js';
import { cwdState } from './cwd.js';
import { counter, patchModule } from './registry.js';

type SpawnSyncOptions = childProcess.SpawnSyncOptions & { input?: string | NodeJS.ArrayBufferView; encoding?: BufferEncoding | 'buffer' | null };
type SpawnSyncResult = childProcess.SpawnSyncReturns<string | Buffer>;

/** The names this patch replaces. */
export const implementsNames = ['spawnSync', 'execSync', 'execFileSync', 'spawn', 'exec', 'execFile', 'fork'] as const;

const original = {
  spawnSync: childProcess.spawnSync,
  execSync: childProcess.execSync,
  execFileSync: childProcess.execFileSync,
  spawn: childProcess.spawn,
  exec: childProcess.exec,
  execFile: childProcess.execFile,
  fork: childProcess.fork,
};
const calls = {
  spawnSync: counter('child_process', 'spawnSync'),
  execSync: counter('child_process', 'execSync'),
  execFileSync: counter('child_process', 'execFileSync'),
};

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

let warnedOnHub = false;
/**
 * On the hub, when the call cannot wait with the loop running (no deasync,
 * or another call already waits under it): Node's own call will block the
 * hub. Without deasync, say so once.
 */
function blockingOnHub(name: string): boolean {
  const hub = hubBlocking();
  if (hub.canWaitOnHub()) return false;
  if (!warnedOnHub && !hub.hasDeasync()) {
    warnedOnHub = true;
    process.emitWarning(
      `child_process.${name} was called on the hub thread, where it cannot park: it blocks every green thread until the child ends. ` +
        'Call it in a green thread (spawn(fn), or `greenthread run app.js`), or install the optional `deasync` package.',
      { code: 'ERR_GREEN_BLOCKING_HUB' },
    );
  }
  return true;
}

function stdioOf(stdio: SpawnSyncOptions['stdio']): [StdioEntry, StdioEntry, StdioEntry] {
  const one = (v: unknown): StdioEntry => {
    if (v === undefined || v === null || v === 'pipe' || v === 'overlapped') return 'pipe';
    if (v === 'inherit' || v === 'ignore' || typeof v === 'number') return v;
    // Streams and other exotic entries cannot cross to the hub: the caller's own fd numbers can.
    throw new TypeError(`greenthread: stdio entry ${String(v)} is not supported in a green thread; use 'pipe', 'inherit', 'ignore' or a file descriptor`);
  };
  if (stdio === undefined || typeof stdio === 'string') {
    const v = one(stdio);
    return [v, v, v];
  }
  return [one(stdio[0]), one(stdio[1]), one(stdio[2])];
}

function uvError(code: string, errno: number, file: string, args: string[]): NodeJS.ErrnoException & { spawnargs: string[] } {
  const err = new Error(`spawnSync ${file} ${code}`) as NodeJS.ErrnoException & { spawnargs: string[] };
  err.errno = errno;
  err.code = code;
  err.syscall = `spawnSync ${file}`;
  err.path = file;
  err.spawnargs = args;
  return err;
}

function greenSpawnSync(file: string, argsOrOptions?: readonly string[] | SpawnSyncOptions, maybeOptions?: SpawnSyncOptions): SpawnSyncResult {
  calls.spawnSync.n++;
  return spawnSyncVia('spawnSync', file, argsOrOptions, maybeOptions);
}

function spawnSyncVia(caller: string, file: string, argsOrOptions?: readonly string[] | SpawnSyncOptions, maybeOptions?: SpawnSyncOptions): SpawnSyncResult {
  const backend = carrierBackend();
  if (!backend && blockingOnHub(caller)) return (original.spawnSync as Function)(file, argsOrOptions, maybeOptions);
  let args: string[] = [];
  let options: SpawnSyncOptions = {};
  if (Array.isArray(argsOrOptions)) {
    args = argsOrOptions.map(String);
    options = maybeOptions ?? {};
  } else if (argsOrOptions != null && typeof argsOrOptions === 'object') {
    options = argsOrOptions as SpawnSyncOptions;
  }
  // Arguments Node rejects: let Node reject them, with its own errors, without running anything.
  if (typeof file !== 'string' || file.length === 0 || (options !== null && typeof options !== 'object')) {
    return (original.spawnSync as Function)(file, argsOrOptions, maybeOptions);
  }
  const argv0 = options.argv0;
  if (options.shell) {
    const command = [file, ...args].join(' ');
    file = typeof options.shell === 'string' ? options.shell : '/bin/sh';
    args = ['-c', command];
  }
  const stdio = stdioOf(options.stdio);
  let input: Uint8Array | undefined;
  if (options.input !== undefined && options.input !== null) {
    const i = options.input;
    input = typeof i === 'string' ? Buffer.from(i, (options.encoding && options.encoding !== 'buffer' ? options.encoding : 'utf8') as BufferEncoding) : new Uint8Array(i.buffer, i.byteOffset, i.byteLength);
  }
  const request: ChildRequest = {
    file,
    args,
    // path.resolve reads process.cwd(): the green thread's own directory once patched.
    cwd: options.cwd === undefined || options.cwd === null ? cwdState.dir : path.resolve(String(options.cwd instanceof URL ? options.cwd.pathname : options.cwd)),
    env: { ...(options.env ?? process.env) },
    argv0,
    uid: options.uid,
    gid: options.gid,
    windowsHide: options.windowsHide ?? false,
    stdio,
    input,
    timeout: options.timeout ?? 0,
    killSignal: options.killSignal ?? 'SIGTERM',
    maxBuffer: options.maxBuffer ?? 1024 * 1024,
  };
  const reply: ChildReply = backend ? backend.childSpawnSync(request) : hubBlocking().childOnHub(request)!;
  const spawnargs = request.args;
  if (reply.error && reply.pid === 0) {
    // It never started: Node's shape for that (no output at all).
    const failed: Record<string, unknown> = { error: uvError(reply.error.code, reply.error.errno, file, spawnargs), status: null, signal: null, output: null, pid: 0 };
    // Node 20 also sets stdout and stderr to null here; from Node 22 they are absent.
    if (NODE_MAJOR < 22) Object.assign(failed, { stdout: null, stderr: null });
    return failed as unknown as SpawnSyncResult;
  }
  const encoding = options.encoding && options.encoding !== 'buffer' ? options.encoding : undefined;
  const decode = (b: Uint8Array | null) => (b === null ? null : encoding ? Buffer.from(b).toString(encoding) : Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  const stdout = decode(reply.stdout);
  const stderr = decode(reply.stderr);
  const result: Record<string, unknown> = {};
  if (reply.error) result.error = uvError(reply.error.code, reply.error.errno, file, spawnargs);
  Object.assign(result, { status: reply.status, signal: reply.signal, output: [null, stdout, stderr], pid: reply.pid, stdout, stderr });
  return result as unknown as SpawnSyncResult;
}

/** Node's checkExecSyncError. */
function execError(ret: SpawnSyncResult, args: string[] | undefined, command?: string): Error | undefined {
  if (ret.error) return Object.assign(ret.error, ret);
  if (ret.status !== 0) {
    let msg = `Command failed: ${command ?? (args ?? []).join(' ')}`;
    if (ret.stderr && ret.stderr.length > 0) msg += `\n${ret.stderr.toString()}`;
    return Object.assign(new Error(msg), ret);
  }
  return undefined;
}

function greenExecSync(command: string, options?: childProcess.ExecSyncOptions): string | Buffer {
  calls.execSync.n++;
  if (!carrierBackend() && blockingOnHub('execSync')) return (original.execSync as Function)(command, options);
  const opts = { ...options, shell: typeof options?.shell === 'string' ? options.shell : true } as SpawnSyncOptions;
  const inheritStderr = !opts.stdio;
  const ret = spawnSyncVia('execSync', command, opts);
  if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
  const err = execError(ret, undefined, command);
  if (err) throw err;
  return ret.stdout!;
}

function greenExecFileSync(file: string, argsOrOptions?: readonly string[] | childProcess.ExecFileSyncOptions, maybeOptions?: childProcess.ExecFileSyncOptions): string | Buffer {
  calls.execFileSync.n++;
  if (!carrierBackend() && blockingOnHub('execFileSync')) return (original.execFileSync as Function)(file, argsOrOptions, maybeOptions);
  const args = Array.isArray(argsOrOptions) ? argsOrOptions.map(String) : [];
  const options = (Array.isArray(argsOrOptions) ? maybeOptions : argsOrOptions) ?? {};
  const inheritStderr = !(options as SpawnSyncOptions).stdio;
  const ret = spawnSyncVia('execFileSync', file, args, options as SpawnSyncOptions);
  if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
  const err = execError(ret, [(options as SpawnSyncOptions).argv0 ?? file, ...args]);
  if (err) throw err;
  return ret.stdout!;
}

/** Gives a spawn/exec/execFile/fork argument list the green thread's directory as cwd, unless it has one. */
function addCwd(args: unknown[], dir: string): void {
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
      const cwd = (a as { cwd?: unknown }).cwd;
      if (cwd == null) args[i] = { ...a, cwd: dir };
      else if (typeof cwd === 'string' && !path.isAbsolute(cwd)) args[i] = { ...a, cwd: path.resolve(dir, cwd) };
      return;
    }
  }
  // No options object: it goes before the callback, in place of an empty options slot if there is one.
  let at = args.findIndex((a, i) => i > 0 && typeof a === 'function');
  if (at < 0) at = args.length;
  if (at > 1 && args[at - 1] == null) args[at - 1] = { cwd: dir };
  else args.splice(at, 0, { cwd: dir });
}

/**
 * The async starters run in the carrier itself (they do not block): they
 * only need the green thread's directory as their default cwd.
 */
function inGreenCwd(name: 'spawn' | 'exec' | 'execFile' | 'fork'): Function {
  const orig = original[name] as Function;
  const calls = counter('child_process', name);
  const prepare = (args: unknown[]) => {
    const dir = cwdState.dir;
    if (dir === undefined) return;
    addCwd(args, dir);
    // fork's module path is resolved by this process, against its own directory.
    if (name === 'fork' && typeof args[0] === 'string') args[0] = path.resolve(dir, args[0]);
  };
  const green = function (this: unknown, ...args: unknown[]): unknown {
    calls.n++;
    prepare(args);
    return Reflect.apply(orig, this, args);
  };
  Object.defineProperty(green, 'name', { value: orig.name });
  Object.defineProperty(green, 'length', { value: orig.length });
  // exec's and execFile's util.promisify form calls Node's function directly: it needs the directory too.
  const custom = (orig as unknown as Record<symbol, Function | undefined>)[PROMISIFY_CUSTOM];
  if (custom) {
    Object.defineProperty(green, PROMISIFY_CUSTOM, {
      ...Object.getOwnPropertyDescriptor(orig, PROMISIFY_CUSTOM),
      value: function (this: unknown, ...args: unknown[]) {
        calls.n++;
        prepare(args);
        return Reflect.apply(custom, this, args);
      },
    });
  }
  return green;
}
const PROMISIFY_CUSTOM = Symbol.for('nodejs.util.promisify.custom');

/** Makes child_process green. */
export function patchChildProcess(): void {
  patchModule('child_process', childProcess as unknown as Record<string, unknown>, {
    spawnSync: greenSpawnSync,
    execSync: greenExecSync,
    execFileSync: greenExecFileSync,
    spawn: inGreenCwd('spawn'),
    exec: inGreenCwd('exec'),
    execFile: inGreenCwd('execFile'),
    fork: inGreenCwd('fork'),
  });
}
