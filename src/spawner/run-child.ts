/**
 * Runs a child process the way spawnSync would, but asynchronously: the
 * working half of a green spawnSync. Timeout and maxBuffer end the child
 * with its killSignal, as Node's spawnSync does; so does the returned cancel
 * function.
 *
 * Runs in the spawner process (see spawner/main.ts), and on the hub for the
 * children the spawner cannot start (see hub/spawner.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { ChildReply, ChildRequest } from '../channel/child.js';

const errno = (code: string): number => -((os.constants.errno as Record<string, number>)[code] ?? 0);

/**
 * Starts the child; `done` gets its reply once, from a callback (never a
 * promise: deasync cannot wait on those). Invalid options throw here, as
 * spawn() does. Returns a function that kills the child.
 */
export function runChild(r: ChildRequest, done: (reply: ChildReply) => void): () => void {
  const child: ChildProcess = spawn(r.file, r.args, {
    cwd: r.cwd,
    env: r.env,
    argv0: r.argv0,
    uid: r.uid,
    gid: r.gid,
    windowsHide: r.windowsHide,
    stdio: r.stdio,
  });
  const chunks: Buffer[][] = [[], [], []];
  const sizes = [0, 0, 0];
  let failure: string | undefined;
  const kill = () => {
    try {
      child.kill(r.killSignal as NodeJS.Signals);
    } catch {
      // already gone
    }
    // As Node's spawnSync does on a kill: stop reading, so a grandchild that
    // still holds the pipes (`sleep 9 &`) cannot hold the call past the child's end.
    for (const s of child.stdio) s?.destroy();
  };
  for (const fd of [1, 2] as const) {
    child.stdio[fd]?.on('data', (chunk: Buffer) => {
      // Like Node's spawnSync: keep the chunk that crossed maxBuffer, then stop reading.
      if (failure === 'ENOBUFS') return;
      chunks[fd]!.push(chunk);
      sizes[fd]! += chunk.length;
      if (sizes[fd]! > r.maxBuffer && !failure) {
        failure = 'ENOBUFS';
        kill();
      }
    });
  }
  if (child.stdin) {
    child.stdin.on('error', () => {}); // a child that exits without reading its input
    child.stdin.end(r.input === undefined ? undefined : Buffer.from(r.input.buffer, r.input.byteOffset, r.input.byteLength));
  }
  const timer =
    r.timeout > 0
      ? setTimeout(() => {
          failure ??= 'ETIMEDOUT';
          kill();
        }, r.timeout)
      : undefined;
  const collected = (fd: 1 | 2) => (r.stdio[fd] === 'pipe' ? Buffer.concat(chunks[fd]!) : null);
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (child.pid !== undefined) return; // an error after it started: 'close' reports the end
    clearTimeout(timer);
    const code = err.code ?? 'UNKNOWN';
    done({ pid: 0, status: null, signal: null, stdout: null, stderr: null, error: { code, errno: errno(code) } });
  });
  child.on('close', (status, signal) => {
    clearTimeout(timer);
    done({
      pid: child.pid ?? 0,
      status: failure ? null : status,
      signal,
      stdout: collected(1),
      stderr: collected(2),
      error: failure ? { code: failure, errno: errno(failure) } : undefined,
    });
  });
  return () => {
    clearTimeout(timer);
    kill();
  };
}
