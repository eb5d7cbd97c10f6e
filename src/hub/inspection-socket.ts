/**
 * The hub's inspection socket, for `greenthread top`: a Unix socket named by
 * the process id, in the temporary directory, that answers every connection
 * with one line of JSON (the pool's counts, the hub's event-loop use and
 * every live green thread) and closes it. Started by `greenthread run
 * --inspect-green`; readable by this user only; removed when the process exits.
 *
 * Runs on the hub only.
 */
import { chmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { dumpGreenThreads, poolStats } from '../index.js';
import { inspectionSocketPath, type InspectionSnapshot } from './inspection-shared.js';

function snapshot(): InspectionSnapshot {
  const { idle, active } = performance.eventLoopUtilization();
  return { pid: process.pid, node: process.version, at: Date.now(), stats: poolStats(), loop: { idle, active }, threads: dumpGreenThreads() };
}

/** Starts this process's inspection socket. It never holds the process open. */
export function serveInspection(): void {
  const where = inspectionSocketPath(process.pid);
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
  server.listen(where, () => {
    try {
      chmodSync(where, 0o600);
    } catch {
      // gone already
    }
  });
  server.unref();
  process.once('exit', () => {
    try {
      unlinkSync(where);
    } catch {
      // gone already
    }
  });
}
