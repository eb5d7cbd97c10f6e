/**
 * The hub's inspection socket, for `greenthread top`: a Unix socket named by
 * the process id, in a directory of the user's own under the temporary
 * directory (inspection-shared.ts) that only they can enter, that answers every connection
 * with one line of JSON (the pool's counts, the hub's event-loop use and
 * every live green thread) and closes it. Started by `greenthread run
 * --inspect-green`; reachable by this user only; removed when the process exits.
 *
 * Runs on the hub only.
 */
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { dumpGreenThreads, poolStats } from '../index.js';
import { inspectionDir, inspectionSocketPath, type InspectionSnapshot } from './inspection-shared.js';

function snapshot(): InspectionSnapshot {
  const { idle, active } = performance.eventLoopUtilization();
  return { pid: process.pid, node: process.version, at: Date.now(), stats: poolStats(), loop: { idle, active }, threads: dumpGreenThreads() };
}

/**
 * Makes the private directory of the sockets, or checks the one there: a
 * directory (not a link), this user's, that no one else can enter. Returns
 * why it cannot be used, or undefined.
 */
function privateDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return (err as Error).message;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return `${dir} belongs to another user`;
  if ((st.mode & 0o077) !== 0) return `${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)}); make it 0700`;
  return undefined;
}

/** Starts this process's inspection socket. It never holds the process open. */
export function serveInspection(): void {
  const where = inspectionSocketPath(process.pid);
  const unsafe = privateDir(inspectionDir());
  if (unsafe) {
    process.emitWarning(`greenthread: no inspection socket for greenthread top: ${unsafe}`, { code: 'ERR_GREEN_INSPECT' });
    return;
  }
  // A socket left by an earlier process that had this pid and died without cleaning up.
  try {
    unlinkSync(where);
  } catch {
    // none
  }
  const server = net.createServer((conn) => {
    conn.on('error', () => {});
    let text: string;
    try {
      text = JSON.stringify(snapshot());
    } catch (err) {
      text = JSON.stringify({ error: String((err as Error)?.message ?? err) });
    }
    conn.end(text + '\n');
  });
  server.on('error', (err) => {
    process.emitWarning(`greenthread: the inspection socket ${where} could not be opened: ${err.message}`, { code: 'ERR_GREEN_INSPECT' });
  });
  server.listen(where);
  server.unref();
  process.once('exit', () => {
    try {
      unlinkSync(where);
    } catch {
      // gone already
    }
  });
}
