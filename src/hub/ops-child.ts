/**
 * Green spawnSync, hub side: the child runs asynchronously in the hub while
 * the green thread that asked stays parked. Timeout, maxBuffer and a kill or
 * Timeout of the green thread all end the child with its killSignal.
 *
 * Runs on the hub only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as dns, type LookupOptions } from 'node:dns';
import os from 'node:os';
import type { ChildReply, ChildRequest } from '../channel/child.js';
import { Op } from '../channel/ops.js';
import type { Hub } from './hub.js';
import type { PatchOptions } from '../patches/monkey-patch.js';

const errno = (code: string): number => -((os.constants.errno as Record<string, number>)[code] ?? 0);

export function registerChildOps(hub: Hub): void {
  hub.registerOp(Op.DNS, (req) => {
    const [kind, host, extra] = req.arg as ['lookup' | 'resolve', string, unknown];
    hub.counters.dnsQueries++;
    const answer =
      kind === 'lookup'
        ? dns.lookup(host, (extra ?? {}) as LookupOptions)
        : dns.resolve(host, (extra as string | undefined) ?? 'A');
    // The error keeps its code, errno, syscall and hostname across the channel.
    answer.then(
      (value) => hub.reply(req, value),
      (err) => hub.fail(req, err),
    );
  });

  hub.registerOp(Op.PATCH, (req) => {
    hub.addPatches(req.arg as PatchOptions);
    hub.reply(req);
  });

  hub.registerOp(Op.CHILD_SPAWN_SYNC, (req) => {
    const r = req.arg as ChildRequest;
    hub.counters.childProcesses++;
    // Invalid options make spawn() throw: the dispatcher hands that error to the green thread.
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
    req.cancel = () => {
      clearTimeout(timer);
      kill();
    };
    const collected = (fd: 1 | 2) => (r.stdio[fd] === 'pipe' ? Buffer.concat(chunks[fd]!) : null);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return; // an error after it started: 'close' reports the end
      clearTimeout(timer);
      const code = err.code ?? 'UNKNOWN';
      hub.reply(req, { pid: 0, status: null, signal: null, stdout: null, stderr: null, error: { code, errno: errno(code) } } satisfies ChildReply);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      hub.reply(req, {
        pid: child.pid ?? 0,
        status: failure ? null : status,
        signal,
        stdout: collected(1),
        stderr: collected(2),
        error: failure ? { code: failure, errno: errno(failure) } : undefined,
      } satisfies ChildReply);
    });
  });
}
