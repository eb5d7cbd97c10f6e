// legacy: how much CPU other processes used while one job process ran, to
// flag figures that a busy machine disturbed (Linux only). foreignCpu in
// ../lib/common.js subtracts this process and the children it reaped from
// the machine's busy time, which blames on others whatever descendants their
// own parents never reap (shelljs's and sync-fetch's children, greenthread's
// helper process): here they start children by the thousand. So this counts
// the others directly, from two snapshots of /proc: every process outside
// this process's tree and the job process's group, with the children it
// reaped meanwhile. Kernel threads
// (mostly writing back this benchmark's own files) and init (which reaps
// orphans, ours included) are left out.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

const TICK = 100; // clock ticks per second in /proc/<pid>/stat (USER_HZ on Linux)

/** pid -> { ppid, ticks }: each process's CPU plus that of the children it reaped. */
export function processSnapshot() {
  const procs = new Map();
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
        // Fields 4, 5 and 14..17 of /proc/<pid>/stat (ppid, pgrp, utime stime cutime cstime); f[0] is field 3.
        procs.set(Number(name), { ppid: f[1], pgrp: f[2], ticks: f[11] + f[12] + f[13] + f[14] });
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return undefined; // no /proc
  }
  return { procs, at: performance.now() };
}

function descendants(procs, root) {
  const children = new Map();
  for (const [pid, p] of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  const out = new Set();
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop();
    out.add(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * CPU seconds other processes used between two snapshots, and the share of
 * the machine that is. `group` is the process group of the job process:
 * what it started and left to init (greenthread's helper) is still ours.
 */
export function otherCpu(a, b, group) {
  if (!a || !b) return undefined;
  const mine = descendants(b.procs, process.pid);
  const counted = (pid, p) => pid !== 1 && pid !== 2 && p.ppid !== 2 && p.pgrp !== group && !mine.has(pid);
  let ticks = 0;
  for (const [pid, p] of b.procs) if (counted(pid, p)) ticks += p.ticks - (a.procs.get(pid)?.ticks ?? 0);
  // One that ended meanwhile is now in the figure of its nearest ancestor still alive, with the time it
  // had already used before the first snapshot: take that away, unless that ancestor is not counted.
  for (const [pid, p] of a.procs) {
    if (b.procs.has(pid) || !counted(pid, p)) continue;
    let up = p.ppid;
    for (let hops = 0; !b.procs.has(up) && a.procs.has(up) && hops < 64; hops++) up = a.procs.get(up).ppid;
    if (b.procs.has(up) && counted(up, b.procs.get(up))) ticks -= p.ticks;
  }
  const seconds = Math.max(0, ticks) / TICK;
  const capacity = ((b.at - a.at) / 1000) * os.availableParallelism();
  return { seconds, share: capacity > 0 ? seconds / capacity : 0 };
}
