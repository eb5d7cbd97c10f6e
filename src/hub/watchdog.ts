/**
 * Hub blocking detection. The hub bumps a shared heartbeat counter from an
 * unref'd timer; a watchdog worker thread (watchdog-worker.ts) watches it.
 * When the counter stands still for longer than the threshold, the watchdog
 * takes the hub thread's stack through the inspector (it pauses the hub for
 * the moment it takes to read its frames), and when the hub moves again it
 * sends the hub one report: how long the loop was held and where. The hub
 * prints it on stderr and publishes it on `greenthread:hub-blocked`.
 *
 * Runs on the hub only.
 */
import inspector from 'node:inspector';
import { Worker } from 'node:worker_threads';
import { channels } from './diagnostics.js';
import { BEAT, BEAT_TIME, BY_DESIGN, STOP, WATCHDOG_BYTES, formatBlocked, type BlockedReport } from './watchdog-shared.js';
import { ownPath } from '../own-files.js';
import { countWaitsByDesignIn } from '../waits-by-design.js';

const ENTRY = ownPath('hub/watchdog-worker.js');

interface Running {
  threshold: number;
  worker: Worker | undefined;
  timer: NodeJS.Timeout;
  i32: Int32Array;
}
let running: Running | undefined;

/** Milliseconds between the hub's start and the watchdog's. */
const WATCHDOG_DELAY = 500;
let exitHooked = false;

/** Starts (or restarts, or stops, for 0) the watchdog with `threshold` ms. */
export function watchHub(threshold: number): void {
  if (running?.threshold === threshold) return;
  stopWatching();
  // Under a debugger (--inspect), its pauses are not blocks, and the watchdog's own pause must not resume them.
  if (threshold > 0 && !inspector.url()) running = start(threshold);
}

function stopWatching(): void {
  if (!running) return;
  Atomics.store(running.i32, STOP, 1);
  Atomics.notify(running.i32, STOP);
  countWaitsByDesignIn(undefined, 0);
  clearInterval(running.timer);
  running = undefined;
}

function start(threshold: number): Running {
  const sab = new SharedArrayBuffer(WATCHDOG_BYTES);
  const i32 = new Int32Array(sab);
  const f64 = new Float64Array(sab);
  // Beats often enough that a stall of `threshold` is seen within about a quarter more.
  const every = Math.max(5, Math.min(Math.floor(threshold / 4), 250));
  const beat = () => {
    f64[BEAT_TIME] = Date.now();
    Atomics.add(i32, BEAT, 1);
  };
  beat();
  countWaitsByDesignIn(i32, BY_DESIGN);
  const timer = setInterval(beat, every);
  timer.unref();
  const r: Running = { threshold, worker: undefined, timer, i32 };
  // Started a little after the hub, so that it does not compete for the cores
  // with the first carriers; it still sees a stall that began before it came up.
  setTimeout(() => {
    if (running !== r) return;
    // Its own flags only: it loads nothing of the application (no --import hooks).
    const worker = new Worker(ENTRY, { workerData: { sab, threshold, every }, execArgv: [], name: 'greenthread-watchdog' });
    worker.on('message', (m: BlockedReport) => report(m, threshold));
    worker.on('error', (err) => process.emitWarning(`greenthread: the hub's watchdog failed: ${err.message}`, { code: 'ERR_GREEN_WATCHDOG' }));
    worker.unref();
    r.worker = worker;
  }, WATCHDOG_DELAY).unref();
  if (!exitHooked) {
    exitHooked = true;
    // An exiting hub stops beating: that is not a stall.
    process.once('exit', stopWatching);
  }
  return r;
}

function report(m: BlockedReport, threshold: number): void {
  if (inspector.url()) {
    // A debugger was attached since (SIGUSR1): stand aside.
    stopWatching();
    return;
  }
  process.stderr.write(formatBlocked(m, threshold, false));
  if (channels.hubBlocked.hasSubscribers) channels.hubBlocked.publish({ ms: m.ms, threshold, frames: m.frames ?? [] });
}
