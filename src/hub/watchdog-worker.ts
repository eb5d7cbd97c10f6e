/**
 * The watchdog thread: watches the hub's heartbeat (see watchdog.ts). When it
 * stands still past the threshold, it pauses the hub thread through the
 * inspector just long enough to read its call frames, resumes it, and once
 * the heartbeat moves again posts one report to the hub. A hold that goes on
 * past stuckAfter() is reported at once, written straight to stderr's file
 * descriptor: a worker's process.stderr goes through the hub, which is held.
 *
 * Runs in the watchdog's own worker thread only.
 */
import { readFileSync, writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { BEAT, BEAT_TIME, BY_DESIGN, STOP, formatBlocked, stuckAfter, type BlockedReport } from './watchdog-shared.js';

const { sab, threshold, every } = workerData as { sab: SharedArrayBuffer; threshold: number; every: number };
const i32 = new Int32Array(sab);
const f64 = new Float64Array(sab);
const FRAMES = 10;

interface CallFrame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
}

/**
 * Milliseconds the hub thread has run on a CPU and waited for one (Linux's
 * schedstat of the main thread, whose id is the process's), or undefined
 * where there is no such file.
 */
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
let hasSchedstat = true;
function sched(): { ran: number; queued: number } | undefined {
  if (!hasSchedstat) return undefined;
  try {
    const [ran, queued] = readFileSync(SCHEDSTAT, 'latin1').split(' ').map(Number);
    return { ran: ran! / 1e6, queued: queued! / 1e6 };
  } catch {
    hasSchedstat = false;
    return undefined;
  }
}


const stopped = () => Atomics.load(i32, STOP) !== 0;
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Takes the hub thread's frames while it is held at beat `beat`; undefined if it moved on first. */
function capture(beat: number): Promise<{ frames?: string[]; why?: string }> {
  return new Promise((resolve) => {
    const session = new Session();
    try {
      session.connectToMainThread();
    } catch (err) {
      resolve({ why: `the inspector is not available: ${(err as Error).message}` });
      return;
    }
    let done = false;
    const finish = (r: { frames?: string[]; why?: string }) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      resolve(r);
    };
    // Debugger.enable reports every script: frames name theirs by id.
    const urls = new Map<string, string>();
    session.on('Debugger.scriptParsed', (m: { params: { scriptId: string; url: string } }) => urls.set(m.params.scriptId, m.params.url));
    // Whenever the pause lands (late, if the hub was in native code), resume at once.
    session.on('Debugger.paused', (m: { params: { callFrames: CallFrame[] } }) => {
      const moved = Atomics.load(i32, BEAT) !== beat;
      const frames = m.params.callFrames
        .slice(0, FRAMES)
        .map((f) => `at ${f.functionName || '<anonymous>'} (${f.url || urls.get(f.location.scriptId) || '<unknown>'}:${f.location.lineNumber + 1}:${f.location.columnNumber + 1})`);
      session.post('Debugger.resume', () => {
        session.post('Debugger.disable', () => session.disconnect());
      });
      finish(moved ? { why: 'the hub moved on before its stack was taken' } : { frames });
    });
    const poll = setInterval(() => {
      if (Atomics.load(i32, BEAT) !== beat || stopped()) finish({ why: 'the hub was in native code, not JavaScript, while it was held' });
    }, every);
    session.post('Debugger.enable');
    session.post('Debugger.pause');
  });
}

async function watch(): Promise<void> {
  let last = Atomics.load(i32, BEAT);
  let changed = Date.now();
  let before = sched();
  while (!stopped()) {
    await pause(every);
    const beat = Atomics.load(i32, BEAT);
    if (beat !== last) {
      last = beat;
      changed = Date.now();
      before = sched();
      continue;
    }
    if (Date.now() - changed < threshold) continue;
    // Held: take its stack now, report once it moves again.
    const since = f64[BEAT_TIME]!;
    // A hub held in native code answers the pause only when it returns to
    // JavaScript: the stack is awaited after the hold, not before.
    let taken: { frames?: string[]; why?: string } | undefined;
    const capturing = capture(beat).then((r) => (taken = r));
    // A hub thread that spent most of the time waiting for a CPU was held by
    // an overloaded machine, not by its own code: nothing to name.
    const starved = (ms: number, now = sched()) => !!before && !!now && now.queued - before.queued > ms / 2;
    // Fiber.run() on the hub waits for the fiber by design, as node-fibers did
    // (the fibers shim reports one that runs for long itself): it counts
    // itself in BY_DESIGN (see waits-by-design.ts), seen at any look during the hold.
    let byDesign = Atomics.load(i32, BY_DESIGN) > 0;
    const inFiber = () => (byDesign ||= Atomics.load(i32, BY_DESIGN) > 0);
    let toldStuck = false;
    while (Atomics.load(i32, BEAT) === beat && !stopped()) {
      await pause(every);
      const ms = Math.round(Date.now() - since);
      if (!toldStuck && ms >= stuckAfter(threshold) && Atomics.load(i32, BEAT) === beat && !inFiber() && !starved(ms)) {
        toldStuck = true;
        const still = taken ?? { why: 'it is in native code, a synchronous call that has not returned' };
        writeSync(2, formatBlocked({ ms, frames: still.frames, why: still.why }, threshold, true));
      }
    }
    await capturing;
    const fiber = inFiber();
    if (stopped()) return;
    const ms = Math.round(f64[BEAT_TIME]! - since);
    const after = sched();
    if (!starved(ms, after) && !fiber) parentPort!.postMessage({ ms, frames: taken!.frames, why: taken!.why } satisfies BlockedReport);
    last = Atomics.load(i32, BEAT);
    changed = Date.now();
    before = after;
  }
}

void watch().then(() => process.exit(0));
