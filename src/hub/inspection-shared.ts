/**
 * What the hub's inspection socket (inspection-socket.ts) and `greenthread
 * top` (cli/top.ts) agree on: where the socket is and what it answers.
 *
 * Runs in the hub's process and in the `greenthread top` process; no side effects.
 */
import os from 'node:os';
import path from 'node:path';
import type { GreenThreadInfo } from './diagnostics.js';

/** What one connection to the inspection socket reads. */
export interface InspectionSnapshot {
  pid: number;
  node: string;
  /** Date.now() when it was taken. */
  at: number;
  /** poolStats() of that process. */
  stats: { carriers: number; idle: number; starting: number; queued: number; live: number; objects: number; sockets: number; servers: number };
  /** The hub's event loop since it started: milliseconds idle and active (performance.eventLoopUtilization). */
  loop: { idle: number; active: number };
  threads: GreenThreadInfo[];
}

/**
 * The directory of this user's inspection sockets: private (0700), so that
 * a socket is never reachable by another local user, not even between its
 * creation and a chmod.
 */
export function inspectionDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `greenthread-${uid}`);
}

/** Where process `pid`'s inspection socket is. */
export function inspectionSocketPath(pid: number): string {
  return path.join(inspectionDir(), `${pid}.sock`);
}
