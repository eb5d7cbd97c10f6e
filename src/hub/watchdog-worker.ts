/**
 * The watchdog thread: watches the hub's heartbeat (see watchdog.ts). When it
 * stands still past the threshold, it pauses the hub thread through the
 * inspector just long enough to read its call frames, resumes it, and once
 * the heartbeat moves again posts one report to the hub.
 *
 * Runs in the watchdog's own worker thread only.
 */
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';
import { BEAT, BEAT_TIME, STOP, type BlockedReport } from './watchdog-shared.js';

const { sab, threshold, every } = workerData as { sab: SharedArrayBuffer; threshold: number; every: number };
const i32 = new Int32Array(sab);
const f64 = new Float64Array(sab);
const FRAMES = 10;

interface CallFrame {
  functionName: string;
  url: string;
  location: { scriptId: string; lineNumber: number; columnNumber: number };
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
      if (Atomics.load(i32, BEAT) !== beat) finish({ why: 'the hub was in native code, not JavaScript, while it was held' });
    }, every);
    session.post('Debugger.enable');
    session.post('Debugger.pause');
  });
}

async function watch(): Promise<void> {
  let last = Atomics.load(i32, BEAT);
  let changed = Date.now();
  while (!stopped()) {
    await pause(every);
    const beat = Atomics.load(i32, BEAT);
    if (beat !== last) {
      last = beat;
      changed = Date.now();
      continue;
    }
    if (Date.now() - changed < threshold) continue;
    // Held: take its stack now, report once it moves again.
    const since = f64[BEAT_TIME]!;
    const taken = await capture(beat);
    while (Atomics.load(i32, BEAT) === beat && !stopped()) await pause(every);
    if (stopped()) return;
    const ms = Math.round(f64[BEAT_TIME]! - since);
    const report: BlockedReport = { ms, frames: taken.frames, why: taken.why };
    parentPort!.postMessage(report);
    last = Atomics.load(i32, BEAT);
    changed = Date.now();
  }
}

void watch().then(() => process.exit(0));
