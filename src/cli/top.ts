/**
 * `greenthread top <pid>`: a live view of another process's green threads,
 * read from its inspection socket (see hub/inspection-socket.ts) once per
 * interval and redrawn in place on a terminal (one snapshot with --once, or
 * when stdout is not a terminal).
 *
 * Runs in the `greenthread top` process only; it starts no hub.
 */
import { unlinkSync } from 'node:fs';
import net from 'node:net';
import { inspectionSocketPath, type InspectionSnapshot } from '../hub/inspection-shared.js';
import type { GreenThreadInfo } from '../hub/diagnostics.js';

export interface TopOptions {
  /** Milliseconds between snapshots. */
  interval: number;
  /** Print one snapshot and exit. */
  once: boolean;
}

/** A connection that gets no answer in this long means a hub that does not serve its loop. */
const READ_TIMEOUT_MS = 5000;

class TopError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function read(pid: number): Promise<InspectionSnapshot> {
  return new Promise((resolve, reject) => {
    const conn = net.connect(inspectionSocketPath(pid));
    let text = '';
    conn.setEncoding('utf8');
    conn.setTimeout(READ_TIMEOUT_MS, () => {
      conn.destroy();
      reject(new TopError(`process ${pid} did not answer within ${READ_TIMEOUT_MS} ms: its hub's event loop is held`, 'ERR_GREEN_TOP_TIMEOUT'));
    });
    conn.on('data', (d: string) => (text += d));
    conn.on('end', () => {
      try {
        const snap = JSON.parse(text) as InspectionSnapshot & { error?: string };
        if (snap.error) reject(new TopError(`process ${pid} could not take a snapshot: ${snap.error}`, 'ERR_GREEN_TOP_SNAPSHOT'));
        else resolve(snap);
      } catch {
        reject(new TopError(`process ${pid} sent something that is not a snapshot`, 'ERR_GREEN_TOP_SNAPSHOT'));
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch (e) {
        alive = (e as NodeJS.ErrnoException).code === 'EPERM';
      }
      if (!alive) {
        // Left by a process that was killed before it could remove it.
        try {
          unlinkSync(inspectionSocketPath(pid));
        } catch {
          // none there
        }
      }
      const why = !alive
        ? `there is no process ${pid}`
        : `process ${pid} has no inspection socket (${err.code}): run it with \`greenthread run --inspect-green app.js\``;
      reject(new TopError(why, alive ? 'ERR_GREEN_TOP_UNREACHABLE' : 'ERR_GREEN_TOP_NO_PROCESS'));
    });
  });
}

/**
 * Text from the watched process (names, command lines) with its control
 * characters escaped: a name with terminal escape sequences must not
 * repaint the operator's terminal.
 */
const printable = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));
const ms = (n: number | undefined) => (n === undefined ? '' : n < 1000 ? `${n} ms` : n < 60_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n / 1000)} s`);

const ORDER: Record<GreenThreadInfo['state'], number> = { parked: 0, running: 1, finished: 2, queued: 3 };

/** Parked longest first, then running, finished and queued, each by id. */
function byAttention(a: GreenThreadInfo, b: GreenThreadInfo): number {
  return ORDER[a.state] - ORDER[b.state] || (b.parkedMs ?? 0) - (a.parkedMs ?? 0) || a.id - b.id;
}

/** The view of one snapshot, `previous` giving the hub's busy share since then; at most `rows` lines. */
export function render(snap: InspectionSnapshot, previous: InspectionSnapshot | undefined, rows: number): string {
  const s = snap.stats;
  const idle = snap.loop.idle - (previous?.loop.idle ?? 0);
  const active = snap.loop.active - (previous?.loop.active ?? 0);
  const busy = idle + active > 0 ? Math.round((100 * active) / (idle + active)) : 0;
  const counts = { running: 0, parked: 0, finished: 0, queued: 0 };
  for (const t of snap.threads) counts[t.state]++;
  const lines = [
    `greenthread top: pid ${snap.pid}, Node ${printable(String(snap.node))}, ${new Date(snap.at).toISOString().slice(11, 19)} UTC`,
    `hub: ${busy}% busy${previous ? '' : ' (since start)'}   carriers: ${s.carriers} (${s.idle} idle, ${s.starting} starting)   ` +
      `sockets: ${s.sockets}   servers: ${s.servers}   hub objects: ${s.objects}`,
    `green threads: ${snap.threads.length} live (${counts.running} running, ${counts.parked} parked, ${counts.finished} finished, ${counts.queued} queued)`,
    '',
    `${'ID'.padStart(7)}  ${pad('NAME', 20)}  ${pad('STATE', 9)}  ${pad('ON', 36)}  ${pad('FOR', 8)}  CARRIER`,
  ];
  const list = [...snap.threads].sort(byAttention);
  const room = Math.max(1, rows - lines.length - 1);
  for (const t of list.slice(0, list.length > room ? room - 1 : room)) {
    const p = t.parkedOn;
    const on = p ? `${p.call ?? p.op}${p.object === undefined ? '' : ` #${p.object}`}${p.detail === undefined ? '' : ` ${p.detail}`}` : '';
    lines.push(`${String(t.id).padStart(7)}  ${pad(printable(t.name), 20)}  ${pad(t.state, 9)}  ${pad(printable(on), 36)}  ${pad(ms(t.parkedMs), 8)}  ${t.carrier ?? ''}`);
  }
  if (list.length > room) lines.push(`    … and ${list.length - room + 1} more`);
  return lines.join('\n') + '\n';
}

/** Runs the view until the process ends (or once). Resolves with the exit code. */
export async function top(pid: number, opts: TopOptions): Promise<number> {
  const live = !opts.once && process.stdout.isTTY === true;
  let previous: InspectionSnapshot | undefined;
  let shown = false;
  for (;;) {
    let snap: InspectionSnapshot;
    try {
      snap = await read(pid);
    } catch (err) {
      const e = err as TopError;
      if (shown && e.code === 'ERR_GREEN_TOP_NO_PROCESS') {
        process.stdout.write(`process ${pid} has exited\n`);
        return 0;
      }
      process.stderr.write(`greenthread top: ${e.message} [${e.code ?? 'ERR_GREEN_TOP'}]\n`);
      return 1;
    }
    const rows = live ? process.stdout.rows || 40 : Number.MAX_SAFE_INTEGER;
    // Home and clear to the end of the screen, so the view redraws in place.
    process.stdout.write((live ? '\x1b[H\x1b[J' : '') + render(snap, previous, rows));
    shown = true;
    if (!live) return 0;
    previous = snap;
    await new Promise((r) => setTimeout(r, opts.interval));
  }
}
