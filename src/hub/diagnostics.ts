/**
 * What the hub tells about its green threads: `diagnostics_channel` channels
 * (greenthread:spawn, park, resume, end, kill, patch), `NODE_DEBUG=greenthread`
 * lines for the same events, stacks where green threads were spawned and
 * parked (only while tracing is on), and the dump of every live green thread.
 *
 * The hub calls the hooks below at each event. Each costs a check of
 * `hasSubscribers` (and of a flag) unless someone listens: nothing is built
 * or published for nobody.
 *
 * Runs on the hub only.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { debuglog } from 'node:util';
import { STATUS_ERROR, STATUS_KILLED, STATUS_OK, STATUS_TIMEOUT, RETURNED, TRACE } from '../channel/layout.js';
import { Op } from '../channel/ops.js';
import type { Outcome } from '../channel/messages.js';
import type { CarrierRef } from './carriers.js';
import type { Hub } from './hub.js';
import type { HubObjects } from './objects/registry.js';
import type { HubRequest, ThreadRecord } from './types.js';
import { OWN_DIRS } from '../own-files.js';

export const channels = {
  spawn: diagnostics_channel.channel('greenthread:spawn'),
  park: diagnostics_channel.channel('greenthread:park'),
  resume: diagnostics_channel.channel('greenthread:resume'),
  end: diagnostics_channel.channel('greenthread:end'),
  kill: diagnostics_channel.channel('greenthread:kill'),
  patch: diagnostics_channel.channel('greenthread:patch'),
  hubBlocked: diagnostics_channel.channel('greenthread:hub-blocked'),
  deadlock: diagnostics_channel.channel('greenthread:deadlock'),
};

const debug = debuglog('greenthread');
/** NODE_DEBUG=greenthread, read once: debuglog decides when first asked. */
const debugOn = debug.enabled;

/** Op names by code, for reports. */
const opNames = new Map<number, string>(Object.entries(Op).map(([name, code]) => [code, name]));

export function opName(op: number): string {
  return opNames.get(op) ?? `op ${op}`;
}

const STATUS_NAMES: Record<number, string> = {
  [STATUS_OK]: 'ok',
  [STATUS_ERROR]: 'error',
  [STATUS_KILLED]: 'killed',
  [STATUS_TIMEOUT]: 'timeout',
};

// ---------------------------------------------------------------- tracing

let tracing = false;
/** Where green threads were spawned, while tracing is on. */
const spawnStacks = new WeakMap<ThreadRecord, string>();
/** Where a request was made (the carrier's stack), while tracing is on. */
const parkStacks = new WeakMap<HubRequest, string>();

/** Turns recording of spawn and park stacks on or off (configure({ traceSpawns })). */
export function setTracing(hub: Hub, on: boolean): void {
  tracing = on;
  // Carriers running a green thread now start sending their stacks with their next request.
  for (const t of hub.threads.values()) if (t.carrier) t.carrier.view.i32[TRACE] = on ? 1 : 0;
}

/** Frames of greenthread's own code (this package's dist/, or src/ when source maps apply) say nothing to its user. */

/** A stack without its first line and without greenthread's own frames. */
export function userFrames(stack: string | undefined): string[] {
  if (!stack) return [];
  return stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at ') && !OWN_DIRS.some((d) => l.includes(d)) && !l.includes('node:internal/'));
}

// ---------------------------------------------------------------- hooks

/** A green thread was created (hub.spawn). */
export function spawned(hub: Hub, t: ThreadRecord): void {
  objects = hub.holds as HubObjects | undefined;
  if (tracing) {
    let stack: string | undefined;
    if (t.parent === undefined) stack = new Error().stack;
    else {
      // Spawned by a green thread: where that thread made the request that spawned it.
      const pending = hub.threads.get(t.parent)?.carrier?.pending;
      if (pending) stack = parkStacks.get(pending);
    }
    if (stack) spawnStacks.set(t, stack);
  }
  if (channels.spawn.hasSubscribers) channels.spawn.publish({ id: t.id, name: t.name, parent: t.parent });
  if (debugOn) debug('spawn %d (%s)%s', t.id, t.name, t.parent === undefined ? '' : ` by ${t.parent}`);
}

/** A green thread starts on a carrier. */
export function started(t: ThreadRecord, c: CarrierRef): void {
  c.view.i32[TRACE] = tracing ? 1 : 0;
  if (debugOn) debug('run %d (%s) on carrier %d', t.id, t.name, c.index);
}

/** A traced request: its stack waits on the carrier's port, after its payload. */
export function tracedRequest(req: HubRequest, port: MessagePort): void {
  const m = receiveMessageOnPort(port);
  if (m && typeof m.message === 'string') parkStacks.set(req, m.message);
}

/** Where the request was made, if it was traced. */
export function parkStackOf(req: HubRequest): string | undefined {
  return parkStacks.get(req);
}

/** A green thread parked on `req`. */
export function parked(req: HubRequest): void {
  if (channels.park.hasSubscribers) {
    const d = describeRequest(req);
    channels.park.publish({ id: req.thread.id, ...d });
  }
  if (debugOn) {
    const d = describeRequest(req);
    debug('park %d on %s%s', req.thread.id, d.call ?? d.op, d.object === undefined ? '' : ` #${d.object}`);
  }
}

/** The hub answered `req`: its green thread runs again. */
export function resumed(req: HubRequest, status: number): void {
  if (channels.resume.hasSubscribers) {
    channels.resume.publish({ id: req.thread.id, op: opName(req.op), status: STATUS_NAMES[status] ?? status, ms: performance.now() - req.at });
  }
  if (debugOn) debug('resume %d from %s (%s)', req.thread.id, opName(req.op), STATUS_NAMES[status] ?? status);
}

/** A green thread ended. */
export function ended(t: ThreadRecord, outcome: Outcome): void {
  const how = outcome.ok ? 'returned' : outcome.killed ? 'killed' : 'failed';
  if (channels.end.hasSubscribers) channels.end.publish({ id: t.id, name: t.name, outcome: how });
  if (debugOn) debug('end %d (%s): %s', t.id, t.name, how);
}

/** A kill was asked for. */
export function killed(t: ThreadRecord, reason: unknown, force: boolean): void {
  if (channels.kill.hasSubscribers) channels.kill.publish({ id: t.id, name: t.name, reason, force });
  if (debugOn) debug('kill %d (%s)%s', t.id, t.name, force ? ' (force)' : '');
}

/** monkeyPatch() options grew. */
export function patched(options: object, version: number): void {
  if (channels.patch.hasSubscribers) channels.patch.publish({ options, version });
  if (debugOn) debug('patch %j (version %d)', options, version);
}

// ---------------------------------------------------------------- describing requests

export interface ParkedOn {
  /** The op code's name (src/channel/ops.ts): SLEEP, WAIT, OBJ_CALL, ... */
  op: string;
  /** What was called, when the op is a call on something: Event.wait, Queue.get, GreenThread.wait. */
  call?: string;
  /** Id of the hub object (or green thread, for WAIT) it is about. */
  object?: number;
  /** The call's timeout in ms, when it has one. */
  timeout?: number;
  /** What the call works on, when it is not a hub object: a child's command line, a host, a URL. */
  detail?: string;
}

/** A command line or URL shortened for one line of a report. */
function brief(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/**
 * A child's command line as reports show it: the program and how many
 * arguments it got, since arguments carry secrets (tokens, passwords) into
 * dumps, `greenthread top` and logs. GREENTHREAD_SHOW_ARGS=1 shows them.
 */
function commandLine(file: unknown, args: unknown): string {
  const list = Array.isArray(args) ? args.map(String) : [];
  if (process.env.GREENTHREAD_SHOW_ARGS === '1') return brief([String(file), ...list].join(' '));
  return list.length === 0 ? brief(String(file)) : `${brief(String(file))} (+${list.length} arg${list.length === 1 ? '' : 's'})`;
}

let objects: HubObjects | undefined;
/** Kinds of hub objects by class: EventState -> Event. */
const kindName = (o: object) => o.constructor.name.replace(/State$/, '').replace(/^Pool$/, 'GreenPool');

/** Timeout argument's position among a method's arguments. */
const TIMEOUT_ARG: Record<string, number> = { wait: 0, acquire: 0, get: 0, put: 1 };

export function describeRequest(req: HubRequest): ParkedOn {
  const op = opName(req.op);
  if (req.op === Op.WAIT) return { op, call: 'GreenThread.wait', object: req.num };
  if (req.op === Op.SLEEP) return { op, call: 'sleep', timeout: req.num };
  if (req.op === Op.OBJ_CALL && Array.isArray(req.arg)) {
    const [id, method, args] = req.arg as [number, string, unknown[]];
    const obj = objects?.get(id);
    const i = TIMEOUT_ARG[method];
    const t = i === undefined || !Array.isArray(args) ? undefined : args[i];
    return { op, call: `${obj ? kindName(obj) : 'object'}.${method}`, object: id, timeout: typeof t === 'number' ? t : undefined };
  }
  const arg = req.arg as Record<string, unknown> | unknown[] | undefined;
  switch (req.op) {
    case Op.NET_RECV:
      return { op, call: 'socket.recv', object: req.num };
    case Op.CHILD_SPAWN_SYNC: {
      const c = arg as { file?: unknown; args?: unknown; timeout?: unknown } | undefined;
      return { op, call: 'child process', detail: commandLine(c?.file, c?.args), timeout: typeof c?.timeout === 'number' && c.timeout > 0 ? c.timeout : undefined };
    }
    case Op.DNS:
      return Array.isArray(arg) ? { op, call: `dns.${String(arg[0])}`, detail: brief(String(arg[1])) } : { op };
    case Op.NET_CONNECT: {
      const c = arg as { host?: unknown; port?: unknown; timeout?: unknown } | undefined;
      return { op, call: 'connect', detail: `${String(c?.host ?? 'localhost')}:${String(c?.port)}`, timeout: typeof c?.timeout === 'number' ? c.timeout : undefined };
    }
    case Op.FETCH: {
      const f = arg as { url?: unknown; timeout?: unknown } | undefined;
      return { op, call: 'fetchSync', detail: brief(String(f?.url)), timeout: typeof f?.timeout === 'number' ? f.timeout : undefined };
    }
    case Op.HTTP_NEXT:
      return { op, call: 'serveHttp: waiting for requests', object: req.num };
  }
  return { op };
}

/** Remembers the hub's object table for describeRequest (set when the hub starts). */
export function useObjects(hub: Hub): void {
  objects = hub.holds as HubObjects | undefined;
}

// ---------------------------------------------------------------- the dump

/** One live green thread, as {@link dumpGreenThreads} gives it. */
export interface GreenThreadInfo {
  id: number;
  name: string;
  /**
   * queued (waiting for a carrier), running, parked (waiting for the hub's
   * answer), finished (its function returned and its event loop still has
   * work: timers, sockets, a child process; it ends when that is done). A
   * finished green thread that parks again, in a callback, is shown parked.
   */
  state: 'queued' | 'running' | 'parked' | 'finished';
  /** Index of the carrier it runs on. */
  carrier: number | undefined;
  /** The green thread that spawned it; undefined when spawned on the hub. */
  parent: number | undefined;
  /** What it is parked on, when parked. */
  parkedOn: ParkedOn | undefined;
  /** Milliseconds it has been parked, when parked. */
  parkedMs: number | undefined;
  /** Where it was spawned (frames of user code), when tracing was on then. */
  spawnedAt: string[] | undefined;
  /** Where it parked (frames of user code), when tracing was on then. */
  parkedAt: string[] | undefined;
}

export function dump(hub: Hub): GreenThreadInfo[] {
  useObjects(hub);
  const now = performance.now();
  const out: GreenThreadInfo[] = [];
  for (const t of hub.threads.values()) {
    const pending = t.carrier?.pending;
    const isParked = t.state === 'running' && !!pending && !pending.settled;
    const returned = t.state === 'draining' || t.state === 'dead' || (!!t.carrier && Atomics.load(t.carrier.view.i32, RETURNED) === t.id);
    const spawnStack = spawnStacks.get(t);
    const parkStack = isParked ? parkStacks.get(pending!) : undefined;
    out.push({
      id: t.id,
      name: t.name,
      state: t.state === 'queued' ? 'queued' : isParked ? 'parked' : returned ? 'finished' : 'running',
      carrier: t.carrier?.index,
      parent: t.parent,
      parkedOn: isParked ? describeRequest(pending!) : undefined,
      parkedMs: isParked ? Math.round(now - pending!.at) : undefined,
      spawnedAt: spawnStack ? userFrames(spawnStack) : undefined,
      parkedAt: parkStack ? userFrames(parkStack) : undefined,
    });
  }
  return out.sort((a, b) => a.id - b.id);
}

/** The dump as text, one block per green thread. */
export function format(list: GreenThreadInfo[]): string {
  const lines = [`greenthread: ${list.length} live green thread(s)`];
  for (const g of list) {
    let head = `  green thread ${g.id} (${g.name}): ${g.state}`;
    if (g.parkedOn) {
      const p = g.parkedOn;
      head += ` on ${p.call ?? p.op}${p.object === undefined ? '' : ` #${p.object}`}${p.detail === undefined ? '' : ` (${p.detail})`}${p.call ? ` [${p.op}]` : ''} for ${g.parkedMs} ms`;
    }
    if (g.carrier !== undefined) head += `, carrier ${g.carrier}`;
    if (g.parent !== undefined) head += `, spawned by ${g.parent}`;
    lines.push(head);
    if (g.spawnedAt?.length) lines.push('    spawned:', ...g.spawnedAt.slice(0, 8).map((f) => `      ${f}`));
    if (g.parkedAt?.length) lines.push('    parked:', ...g.parkedAt.slice(0, 8).map((f) => `      ${f}`));
  }
  return lines.join('\n') + '\n';
}
