/**
 * Deadlock report: when every live green thread is parked, with no timeout,
 * on something only another green thread can release (Event.wait, a
 * Semaphore or Lock, Queue get/put/join, a pool's spawn or waitall, waiting
 * on another green thread), the same requests have stood for the threshold,
 * and the process holds nothing else that could release them (no socket,
 * child, timer or other active handle besides the hub's own), print one
 * report naming who waits on what, and end the process with status 2,
 * instead of hanging silently.
 *
 * Conservative by design: a green thread that runs, sleeps, waits with a
 * timeout, has a Timeout armed or waits on anything else (I/O, runInHub)
 * means no report. Checked from an unref'd timer: nothing on the hot path.
 *
 * Runs on the hub only.
 */
import { channels, describeRequest, parkStackOf, userFrames, type ParkedOn } from './diagnostics.js';
import type { Hub } from './hub.js';
import type { HubRequest, ThreadRecord } from './types.js';

/** Calls that only another green thread (or hub code) can answer. */
const WAITS = new Set([
  'GreenThread.wait',
  'Event.wait',
  'Semaphore.acquire',
  'Queue.get',
  'Queue.put',
  'Queue.join',
  'GreenPool.spawn',
  'GreenPool.waitall',
  'GreenPool.waitAny',
]);

interface Wait {
  t: ThreadRecord;
  req: HubRequest;
  info: ParkedOn;
}

/**
 * A reported deadlock ends the process with this status, as Go's runtime ends
 * a program whose goroutines are all asleep: nothing is left that could
 * release the green threads, and a process that hangs for ever helps no one.
 */
export const DEADLOCK_EXIT_CODE = 2;

let timer: NodeJS.Timeout | undefined;
let threshold = 0;
/** The set of waits seen standing, since when, and whether it was reported. */
let standing: { reqs: HubRequest[]; since: number; reported: boolean } | undefined;

/** Starts (or restarts, or stops, for 0) deadlock detection with `ms`. */
export function watchDeadlocks(hub: Hub, ms: number): void {
  if (timer && ms === threshold) return;
  clearInterval(timer);
  timer = undefined;
  standing = undefined;
  threshold = ms;
  if (ms <= 0) return;
  timer = setInterval(() => check(hub), Math.max(10, Math.min(Math.floor(ms / 4), 500)));
  timer.unref();
}

/**
 * Every live green thread's wait, if they all wait on one another; else
 * undefined. With every carrier in use (maxCarriers), a queued green thread
 * waits too: for a carrier that only the others can free.
 */
export function allWaiting(hub: Hub): Wait[] | undefined {
  if (hub.threads.size === 0) return undefined;
  const waits: Wait[] = [];
  // A carrier still starting will take a queued green thread: pending work, not a deadlock.
  const stats = hub.stats();
  const atCap = stats.carriers >= hub.options.maxCarriers && stats.starting === 0;
  for (const t of hub.threads.values()) {
    if (t.state === 'queued' && atCap) continue;
    const req = t.carrier?.pending;
    if (t.state !== 'running' || !req || req.settled || t.timers.size > 0 || t.interrupts.length > 0) return undefined;
    const info = describeRequest(req);
    if (!info.call || !WAITS.has(info.call) || info.timeout !== undefined) return undefined;
    waits.push({ t, req, info });
  }
  return waits.length > 0 ? waits : undefined;
}

/**
 * Active resources of the process that are not the hub's own: the hub's
 * keep-alive timer (ref'd while green threads live) and stdio are its own.
 * With `stdin: true`, stdin counts as the process's (a read of it could
 * still release someone): only the handles of stdout and stderr are left
 * out, told apart by their file descriptor (process._getActiveHandles gives
 * the streams; getActiveResourcesInfo only names the kinds).
 */
export function otherResources({ stdin = false }: { stdin?: boolean } = {}): string[] {
  const rest = process.getActiveResourcesInfo();
  const drop = (name: string) => {
    const at = rest.indexOf(name);
    if (at >= 0) rest.splice(at, 1);
    return at >= 0;
  };
  drop('Timeout');
  if (!stdin) {
    let stdio = 3;
    while (stdio > 0 && (drop('TTYWrap') || drop('PipeWrap'))) stdio--;
    return rest;
  }
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  for (const h of handles) {
    const fd = (h as { _handle?: { fd?: number } })._handle?.fd ?? (h as { fd?: number }).fd;
    if (fd === 1 || fd === 2) drop('PipeWrap') || drop('TTYWrap');
  }
  return rest;
}

/** Whether two lists of waits are the same requests, in the same order. */
function sameWaits(a: readonly HubRequest[], b: readonly HubRequest[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}

function check(hub: Hub): void {
  const waits = allWaiting(hub);
  if (!waits) {
    standing = undefined;
    return;
  }
  const reqs = waits.map((w) => w.req);
  const now = performance.now();
  if (!standing || !sameWaits(standing.reqs, reqs)) {
    standing = { reqs, since: now, reported: false };
    return;
  }
  if (standing.reported || now - standing.since < threshold) return;
  if (otherResources().length > 0) return;
  standing.reported = true;
  report(hub, waits, Math.round(now - standing.since));
}

/**
 * Ends the process once the same waits still stand and nothing at all is
 * pending: after the report's subscribers (one may release someone) and
 * once the report has been written. Stricter than the report, which lets
 * every stdio handle pass: a read of stdin could still release them (hub
 * code that sets an Event on input), so while stdin is read it keeps
 * looking, for two seconds, and then leaves the process as it is.
 */
function endIfStillDeadlocked(hub: Hub, reqs: HubRequest[], tries = 40): void {
  setTimeout(() => {
    const still = allWaiting(hub);
    if (!still || !sameWaits(still.map((w) => w.req), reqs)) return;
    if (otherResources({ stdin: true }).length === 0) process.exit(DEADLOCK_EXIT_CODE);
    else if (tries > 1) endIfStillDeadlocked(hub, reqs, tries - 1);
  }, 50).unref();
}

function report(hub: Hub, waits: Wait[], ms: number): void {
  const lines = [
    `greenthread: deadlock: all ${waits.length} live green thread(s) have waited ${ms} ms on one another, ` +
      `with no I/O, timer or other work pending that could release them:`,
  ];
  for (const { t, req, info } of waits) {
    lines.push(`  green thread ${t.id} (${t.name}) waits in ${info.call} on ${info.call === 'GreenThread.wait' ? 'green thread' : 'object'} ${info.object}`);
    for (const f of userFrames(parkStackOf(req)).slice(0, 4)) lines.push(`      ${f}`);
  }
  const queued = [...hub.threads.values()].filter((t) => t.state === 'queued');
  if (queued.length) {
    lines.push(
      `  ${queued.length} green thread(s) (${queued.slice(0, 5).map((t) => `${t.id} ${t.name}`).join(', ')}${queued.length > 5 ? ', ...' : ''}) ` +
        `wait for a carrier: all ${hub.options.maxCarriers} (maxCarriers) are held by the green threads above. ` +
        `Raise maxCarriers with configure(), or bound how many wait at once with a GreenPool.`,
    );
  }
  lines.push(`  Nothing can release them: the process ends with status ${DEADLOCK_EXIT_CODE} (deadlockThreshold: 0 turns the report and this off).`);
  process.stderr.write(lines.join('\n') + '\n');
  endIfStillDeadlocked(hub, waits.map((w) => w.req));
  if (channels.deadlock.hasSubscribers) {
    channels.deadlock.publish({
      ms,
      threads: waits.map(({ t, info }) => ({ id: t.id, name: t.name, call: info.call, object: info.object })),
    });
  }
}
