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
 * firing in it kills the child. On the hub thread (not a green thread) the
 * original, blocking call runs, with a one-time warning.
 *
 * Runs in carriers (and falls back on the hub).
 */
import childProcess from 'node:child_process';
import path from 'node:path';
import { carrierBackend } from '../backend.js';
import type { ChildRequest, StdioEntry } from '../channel/child.js';
import { patchModule } from './registry.js';

type SpawnSyncOptions = childProcess.SpawnSyncOptions & { input?: string | NodeJS.ArrayBufferView; encoding?: BufferEncoding | 'buffer' | null };
type SpawnSyncResult = childProcess.SpawnSyncReturns<string | Buffer>;

/** The names this patch replaces. */
export const implementsNames = ['spawnSync', 'execSync', 'execFileSync'] as const;

const original = {
  spawnSync: childProcess.spawnSync,
  execSync: childProcess.execSync,
  execFileSync: childProcess.execFileSync,
};

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

let warnedOnHub = false;
function onHub(name: string): void {
  if (warnedOnHub) return;
  warnedOnHub = true;
  process.emitWarning(
    `child_process.${name} was called on the hub thread, where it cannot park: it blocks every green thread until the child ends. ` +
      'Call it in a green thread (spawn(fn), or `greenthread run app.js`).',
    { code: 'ERR_GREEN_BLOCKING_HUB' },
  );
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
  const backend = carrierBackend();
  if (!backend) {
    onHub('spawnSync');
    return (original.spawnSync as Function)(file, argsOrOptions, maybeOptions);
  }
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
    cwd: options.cwd === undefined ? undefined : path.resolve(String(options.cwd instanceof URL ? options.cwd.pathname : options.cwd)),
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
  const reply = backend.childSpawnSync(request);
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
  if (!carrierBackend()) {
    onHub('execSync');
    return (original.execSync as Function)(command, options);
  }
  const opts = { ...options, shell: typeof options?.shell === 'string' ? options.shell : true } as SpawnSyncOptions;
  const inheritStderr = !opts.stdio;
  const ret = greenSpawnSync(command, opts);
  if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
  const err = execError(ret, undefined, command);
  if (err) throw err;
  return ret.stdout!;
}

function greenExecFileSync(file: string, argsOrOptions?: readonly string[] | childProcess.ExecFileSyncOptions, maybeOptions?: childProcess.ExecFileSyncOptions): string | Buffer {
  if (!carrierBackend()) {
    onHub('execFileSync');
    return (original.execFileSync as Function)(file, argsOrOptions, maybeOptions);
  }
  const args = Array.isArray(argsOrOptions) ? argsOrOptions.map(String) : [];
  const options = (Array.isArray(argsOrOptions) ? maybeOptions : argsOrOptions) ?? {};
  const inheritStderr = !(options as SpawnSyncOptions).stdio;
  const ret = greenSpawnSync(file, args, options as SpawnSyncOptions);
  if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
  const err = execError(ret, [(options as SpawnSyncOptions).argv0 ?? file, ...args]);
  if (err) throw err;
  return ret.stdout!;
}

/** Makes child_process green. */
export function patchChildProcess(): void {
  patchModule('child_process', childProcess as unknown as Record<string, unknown>, {
    spawnSync: greenSpawnSync,
    execSync: greenExecSync,
    execFileSync: greenExecFileSync,
  });
}
