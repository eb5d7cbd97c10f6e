/**
 * The hub's side of the spawner: the small Node process that starts the
 * children of green threads (see spawner/main.ts for why). One per process,
 * started when child_process is patched (while the process is still small)
 * or at the first child, and again after it dies.
 *
 * A child goes to the spawner unless its stdio names a descriptor beyond 0-2
 * (a file the green thread opened exists in this process only), or
 * GREENTHREAD_SPAWNER=0 is set, or the running libuv starts children
 * without fork() (posix_spawn on Linux after libuv 1.52.1, in no Node release
 * up to 26): then the hub starts it directly, as before.
 *
 * If the spawner dies, the calls it was running fail with SpawnerDiedError
 * and the next call starts a new one; nothing waits forever.
 *
 * Runs on the hub only.
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import type { ChildReply, ChildRequest } from '../channel/child.js';
import { errorFromWire, SpawnerDiedError } from '../errors.js';
import type { FromSpawner, ToSpawner } from '../spawner/protocol.js';
import { runChild } from '../spawner/run-child.js';
import { ownPath } from '../own-files.js';

const ENTRY = ownPath('spawner/main.js');

/** libuv's version as a number (1.52.1 -> 15201). */
function uvVersion(): number {
  const [a = 0, b = 0, c = 0] = process.versions.uv.split('.').map(Number);
  return a * 10_000 + b * 100 + c;
}

/** Whether this process's children go through the spawner (see the header). */
const USE_SPAWNER = process.env.GREENTHREAD_SPAWNER !== '0' && uvVersion() <= 15201;

interface Call {
  /** The spawner running it. */
  p: ChildProcess;
  request: ChildRequest;
  done: (reply: ChildReply) => void;
  fail: (err: unknown) => void;
}

let proc: ChildProcess | undefined;
const calls = new Map<number, Call>();
let nextId = 1;

/** Starts the spawner now, if this process uses one, so it is forked while the process is small. */
export function prewarmSpawner(): void {
  if (USE_SPAWNER) spawner();
}

function spawner(): ChildProcess {
  if (proc && proc.connected) return proc;
  const env = { ...process.env };
  // The parent's loaders (--import tsx) are not needed to start children.
  delete env.NODE_OPTIONS;
  const p: ChildProcess = nodeSpawn(process.execPath, [ENTRY], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env,
  });
  proc = p;
  p.on('message', (m: FromSpawner) => {
    const call = calls.get(m.id);
    if (!call) return;
    forget(m.id);
    if (m.t === 'done') call.done(m.reply);
    else call.fail(errorFromWire(m.error));
  });
  p.on('error', (err) => {
    // Once it runs, an 'exit' follows any error; one that never started gets none.
    if (p.pid === undefined) lost(p, `could not be started (${err.message})`);
  });
  p.on('exit', (code, signal) => lost(p, signal ? `was killed by ${signal}` : `exited with code ${code}`));
  // It never keeps the process alive by itself: only while a call waits on it (see track).
  p.unref();
  p.channel?.unref();
  return p;
}

/** Spawner `p` is gone: the calls it was running fail, and the next call starts a new one. */
function lost(p: ChildProcess, why: string): void {
  if (proc === p) proc = undefined;
  for (const [id, call] of [...calls]) {
    if (call.p !== p) continue;
    forget(id);
    const cmd = [call.request.file, ...call.request.args].join(' ');
    call.fail(
      new SpawnerDiedError(
        `the spawner process, which starts child processes for green threads, ${why} while running \`${cmd}\`; ` +
          `the child's result is lost. The next call starts a new spawner: retry the call`,
      ),
    );
  }
}

/** A call waits on its spawner: the spawner's channel holds the process open meanwhile. */
function track(id: number, call: Call): void {
  calls.set(id, call);
  call.p.channel?.ref();
}

function forget(id: number): void {
  const call = calls.get(id);
  if (!call) return;
  calls.delete(id);
  for (const other of calls.values()) if (other.p === call.p) return;
  call.p.channel?.unref();
}

/**
 * Runs a green spawnSync's child; `done` gets its reply, or `fail` an error
 * (options the spawn refuses, or the spawner died), once, from a callback.
 * Returns a function that kills the child.
 */
export function startChild(request: ChildRequest, done: (reply: ChildReply) => void, fail: (err: unknown) => void): () => void {
  if (!USE_SPAWNER || request.stdio.some((s) => typeof s === 'number' && s > 2)) {
    try {
      return runChild(request, done);
    } catch (err) {
      fail(err);
      return () => {};
    }
  }
  const p = spawner();
  const id = nextId++;
  track(id, { p, request, done, fail });
  try {
    p.send({ t: 'run', id, request } satisfies ToSpawner);
  } catch (err) {
    // Its channel is gone (it could not start, or just died): this call fails now.
    forget(id);
    fail(err);
  }
  return () => {
    if (calls.has(id) && p.connected) p.send({ t: 'kill', id } satisfies ToSpawner);
  };
}

/** The spawner's pid, if it runs (for tests and diagnostics). */
export function spawnerPid(): number | undefined {
  return proc?.connected ? proc.pid : undefined;
}
