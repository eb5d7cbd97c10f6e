// Observability: the hub-blocking watchdog, the deadlock report, the dump of
// green threads (in process and through `greenthread run --inspect-green`),
// diagnostics_channel and NODE_DEBUG. Whatever is read from stderr or stdout
// runs in its own process, with real workers.
import { spawn as spawnChild, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const tasks = load('../fixtures/observe/tasks.mjs');
const { configure, dumpGreenThreads, formatGreenThreads, spawn, Event, GreenArgumentError } = gt;

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const fixture = (name: string) => `test/fixtures/observe/${name}`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a fixture to its end; env adds to (or, with undefined, removes from)
 * this process's. Asynchronous, so that the slow fixtures of a describe block
 * (each mostly waits for a threshold to pass) run side by side.
 */
function run(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000) {
  const merged: Record<string, string | undefined> = { ...process.env, NODE_ENV: 'test', ...env };
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return new Promise<{ status: number | null; stdout: string; stderr: string; lines: string[] }>((resolve, reject) => {
    const child = spawnChild(process.execPath, args, { cwd: root, env: merged as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, lines: stdout.split('\n').filter(Boolean) });
    });
  });
}
const json = (line: string | undefined) => JSON.parse(line ?? 'null');
const count = (text: string, what: string) => text.split(what).length - 1;

// This process's own hub is not under test here, and spawnSync below holds it: no reports of that.
configure({ blockedThreshold: 0 });

const BLOCKED = "greenthread: the hub's event loop was held for about";
const DEADLOCK = 'greenthread: deadlock:';

// One at a time: some of these fixtures spin a core on purpose, and a hub
// starved of CPU by its neighbours is, rightly, not reported.
describe('hub blocking detection', () => {
  it('a hub that busy-loops for 300 ms gets exactly one report, naming the function that held it', async () => {
    const r = await run([fixture('hub-blocked.mjs')], { GREENTHREAD_BLOCKED_MS: undefined });
    expect(r.status).toBe(0);
    expect(json(r.lines[0])).toEqual({ result: 'slept' });
    expect(count(r.stderr, BLOCKED)).toBe(1);
    expect(r.stderr).toMatch(/held for about \d+ ms \(blockedThreshold 100 ms\)/);
    expect(r.stderr).toMatch(/at holdTheHub \(file:\/\/.*hub-blocked\.mjs:\d+:\d+\)/);
    const ms = Number(/held for about (\d+) ms/.exec(r.stderr)![1]);
    expect(ms).toBeGreaterThanOrEqual(250);
    // The same report on diagnostics_channel.
    expect(json(r.lines[1])).toEqual({ published: [{ ms: true, threshold: 100, named: true }] });
  });

  it('names the JavaScript caller of a hold in native code (execFileSync on the hub)', async () => {
    const r = await run([fixture('hub-blocked.mjs'), 'native'], { GREENTHREAD_BLOCKED_MS: undefined });
    expect(r.status).toBe(0);
    expect(count(r.stderr, BLOCKED)).toBe(1);
    expect(r.stderr).toMatch(/at holdTheHubInNativeCode \(file:\/\/.*hub-blocked\.mjs:\d+:\d+\)/);
    expect(json(r.lines[1])).toEqual({ published: [{ ms: true, threshold: 100, named: true }] });
  });

  for (const native of [false, true]) {
    it(`a hub that never moves again (${native ? 'in native code' : 'in a busy loop'}) is reported while it lasts`, async () => {
      // Detached, to kill the whole group: the native case leaves a child process.
      const child = spawnChild(process.execPath, [fixture('hub-stuck.mjs'), ...(native ? ['native'] : [])], {
        cwd: root,
        detached: true,
        env: { ...process.env, NODE_ENV: 'test', GREENTHREAD_BLOCKED_MS: '100' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      const STILL = /has been held for (\d+) ms and still is \(blockedThreshold 100 ms\)/;
      try {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no report within 20 s; stderr: ${stderr}`)), 20_000);
          child.stderr!.on('data', (d) => {
            stderr += d;
            if (STILL.test(stderr) && stderr.endsWith('\n')) {
              clearTimeout(timer);
              resolve();
            }
          });
          child.on('exit', (code) => reject(new Error(`exited (${code}) before any report; stderr: ${stderr}`)));
        });
      } finally {
        process.kill(-child.pid!, 'SIGKILL');
      }
      expect(Number(stderr.match(STILL)![1])).toBeGreaterThanOrEqual(2000);
      expect(count(stderr, 'still is')).toBe(1);
      if (native) expect(stderr).toMatch(/its stack could not be taken \(it is in native code/);
      else expect(stderr).toMatch(/at spinForever \(file:\/\/.*hub-stuck\.mjs:\d+:\d+\)/);
    });
  }

  it("a hub waiting in Fiber.run() for a long fiber is not reported (a wait by design, as in node-fibers)", async () => {
    const r = await run([fixture('hub-fiber.mjs')], { GREENTHREAD_BLOCKED_MS: '100' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines).toEqual(['done computed, the hub waited the whole time']);
    expect(r.stderr).not.toContain("the hub's event loop");
  });

  it('is off with NODE_ENV=production, with GREENTHREAD_BLOCKED_MS=0, and below a raised threshold', async () => {
    const envs = [{ NODE_ENV: 'production' }, { GREENTHREAD_BLOCKED_MS: '0' }, { GREENTHREAD_BLOCKED_MS: '5000' }];
    for (const r of await Promise.all(envs.map((env) => run([fixture('hub-blocked.mjs')], env)))) {
      expect(r.status).toBe(0);
      expect(r.stderr).not.toContain(BLOCKED);
      expect(json(r.lines[1])).toEqual({ published: [] });
    }
  });

  it('configure() validates the new options, naming them', () => {
    for (const bad of [{ blockedThreshold: -1 }, { deadlockThreshold: 1.5 }, { traceSpawns: 'yes' }]) {
      expect(() => configure(bad as never)).toThrow(GreenArgumentError);
    }
    expect(() => configure({ blockedThreshold: -1 })).toThrow(/options\.blockedThreshold/);
  });
});

describe.concurrent('deadlock report', () => {
  it('two green threads each waiting on an Event only the other would set: one report naming both', async () => {
    const r = await run([fixture('deadlock.mjs'), '300']);
    // Nothing could ever release them: the process ends with status 2 after the report.
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the process ends with status 2/);
    expect(count(r.stderr, DEADLOCK)).toBe(1);
    expect(r.stderr).toMatch(/green thread 1 \(first\) waits in Event\.wait on object 1/);
    expect(r.stderr).toMatch(/green thread 2 \(second\) waits in Event\.wait on object 2/);
    const { published } = json(r.lines[0]);
    expect(published).toHaveLength(1);
    expect(published[0].threads).toEqual([
      { id: 1, name: 'first', call: 'Event.wait', object: 1 },
      { id: 2, name: 'second', call: 'Event.wait', object: 2 },
    ]);
  });

  it('two green threads taking two Locks in opposite orders: one report naming both', async () => {
    const r = await run([fixture('deadlock.mjs'), '300', 'locks']);
    expect(r.status).toBe(2);
    expect(count(r.stderr, DEADLOCK)).toBe(1);
    expect(r.stderr).toMatch(/green thread 1 \(takesBoth\) waits in Semaphore\.acquire on object 2/);
    expect(r.stderr).toMatch(/green thread 2 \(takesBoth\) waits in Semaphore\.acquire on object 1/);
  });

  it('a green thread waiting on an Event that a hub timer will set is not a deadlock', async () => {
    const r = await run([fixture('no-deadlock.mjs')]);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain(DEADLOCK);
    expect(json(r.lines[0])).toEqual({ result: 'set by the hub', published: [] });
  });

  it('under greenthread run: the app waiting on a green thread that waits on an empty Queue (GREENTHREAD_DEADLOCK_MS)', async () => {
    // Ended by the report (status 2), long before the run's own timeout.
    const r = await run([cli, 'run', fixture('deadlock-app.mjs')], { GREENTHREAD_DEADLOCK_MS: '300' }, 20_000);
    expect(r.status).toBe(2);
    expect(count(r.stderr, DEADLOCK)).toBe(1);
    expect(r.stderr).toMatch(/green thread 0 \(deadlock-app\.mjs\) waits in GreenThread\.wait on green thread 1/);
    expect(r.stderr).toMatch(/green thread 1 \(consumer\) waits in Queue\.get on object \d+/);
  });

  it('a process reading stdin, whose input may release them, is not ended', async () => {
    const child = spawnChild(process.execPath, [fixture('stdin-release.mjs')], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.resume();
    // Well past the threshold and the report's own checks (40 x 50 ms), then the line.
    setTimeout(() => child.stdin.end('from stdin\n'), 2_500);
    const status = await new Promise<number | null>((r) => child.on('close', r));
    expect(status).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({ result: 'from stdin' });
  });

  it('is off with deadlockThreshold 0', async () => {
    const r = await run([fixture('deadlock.mjs'), '0']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain(DEADLOCK);
    expect(json(r.lines[0])).toEqual({ published: [] });
  });
});

/** Waits until every green thread of `ids` is parked (on the op of the same index in `ops`, if given). */
async function parked(ids: number[], ops: string[] = []): Promise<void> {
  const end = Date.now() + 15_000;
  const there = (id: number, i: number) => {
    const g = dumpGreenThreads().find((x) => x.id === id);
    return g?.state === 'parked' && (ops[i] === undefined || g.parkedOn?.op === ops[i]);
  };
  while (!ids.every(there)) {
    if (Date.now() > end) throw new Error(`green threads ${ids.join(', ')} did not all park`);
    await delay(20);
  }
}

describe('dumpGreenThreads', () => {
  it('lists every live green thread: state, carrier, what it is parked on and for how long', async () => {
    const ev = new Event();
    const waiter = spawn(tasks.waitsForEvent, ev);
    const napper = spawn(tasks.naps, 60_000);
    // Both parked (their carriers may take a while to start on a loaded machine), then parked for a while.
    await parked([waiter.id, napper.id]);
    await delay(150);
    const list = dumpGreenThreads();
    const w = list.find((g) => g.id === waiter.id)!;
    expect(w).toMatchObject({ name: 'waitsForEvent', state: 'parked', parent: undefined, parkedOn: { op: 'OBJ_CALL', call: 'Event.wait' } });
    expect(typeof w.carrier).toBe('number');
    expect(w.parkedMs).toBeGreaterThanOrEqual(100);
    // Without traceSpawns, no stacks were taken.
    expect(w.spawnedAt).toBeUndefined();
    expect(w.parkedAt).toBeUndefined();
    expect(list.find((g) => g.id === napper.id)).toMatchObject({ name: 'naps', state: 'parked', parkedOn: { op: 'SLEEP', call: 'sleep', timeout: 60_000 } });
    const text = formatGreenThreads(list);
    expect(text).toMatch(new RegExp(`green thread ${waiter.id} \\(waitsForEvent\\): parked on Event\\.wait #\\d+ \\[OBJ_CALL\\] for \\d+ ms, carrier \\d+`));
    ev.set('go');
    napper.kill();
    expect(await waiter.result).toBe('go');
    await napper.result;
    expect(dumpGreenThreads().filter((g) => g.id === waiter.id || g.id === napper.id)).toEqual([]);
  });

  it('names what a child process and a socket read wait for', async () => {
    gt.monkeyPatch({ childProcess: true });
    const server = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const child = spawn(tasks.runsChild, 30);
      const reader = spawn(tasks.readsSocket, (server.address() as net.AddressInfo).port);
      // The reader parks on its connect first, then on its read.
      await parked([child.id, reader.id], ['CHILD_SPAWN_SYNC', 'NET_RECV']);
      const list = dumpGreenThreads();
      // The program and how many arguments: arguments can carry secrets.
      expect(list.find((g) => g.id === child.id)).toMatchObject({ state: 'parked', parkedOn: { op: 'CHILD_SPAWN_SYNC', call: 'child process', detail: '/bin/sh (+2 args)' } });
      expect(list.find((g) => g.id === reader.id)).toMatchObject({ state: 'parked', parkedOn: { op: 'NET_RECV', call: 'socket.recv', object: expect.any(Number) } });
      expect(formatGreenThreads(list)).toMatch(new RegExp(`green thread ${child.id} \\(runsChild\\): parked on child process \\(/bin/sh \\(\\+2 args\\)\\) \\[CHILD_SPAWN_SYNC\\] for \\d+ ms`));
      expect(JSON.stringify(list)).not.toContain('sleep 30');
      // Asked for, the whole command line.
      process.env.GREENTHREAD_SHOW_ARGS = '1';
      try {
        expect(dumpGreenThreads().find((g) => g.id === child.id)?.parkedOn?.detail).toBe('/bin/sh -c sleep 30');
      } finally {
        delete process.env.GREENTHREAD_SHOW_ARGS;
      }
      child.kill();
      reader.kill();
      await Promise.allSettled([child.result, reader.result]);
    } finally {
      server.close();
    }
  });

  it('tells queued, parked, finished and running apart (one carrier only)', async () => {
    const r = await run([fixture('states.mjs')]);
    expect(r.status).toBe(0);
    // The third has returned but its own loop still has a timer: finished, still holding its carrier.
    expect(json(r.lines[0])).toEqual({ first: { 1: 'parked', 2: 'queued' }, second: { 3: 'finished' }, third: { 4: 'running' } });
  });

  it('with traceSpawns, tells where each green thread was spawned and where it parked', async () => {
    configure({ traceSpawns: true });
    try {
      const ev = new Event();
      const g = spawn(tasks.waitsForEvent, ev);
      await delay(300);
      const info = dumpGreenThreads().find((x) => x.id === g.id)!;
      expect(info.state).toBe('parked');
      expect(info.spawnedAt?.[0]).toMatch(/observe\.test\.ts:\d+/);
      expect(info.parkedAt?.[0]).toMatch(/at waitsForEvent \(.*tasks\.mjs/);
      ev.set(1);
      await g.result;
    } finally {
      configure({ traceSpawns: false });
    }
  });

  it('in a green thread, says where to use it instead', async () => {
    const g = spawn(new URL('../fixtures/observe/dump-in-green.mjs', import.meta.url));
    expect(await g.result).toMatch(/runs on the main thread.*--inspect-green/);
  });

  it('greenthread run --inspect-green prints the dump on SIGUSR2', async () => {
    const child = spawnChild(process.execPath, [cli, 'run', '--inspect-green', fixture('inspect-app.mjs')], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 300 && !cond(); i++) await delay(50);
      expect(cond()).toBe(true);
    };
    try {
      await until(() => stdout.includes('ready'));
      // On a loaded machine the sleeper may not have parked yet when the app
      // says ready: ask again until a dump shows it parked.
      const parkedSleeper = () => /green thread 2 \(sleeper\): parked/.test(stderr) && stderr.includes('at sleeper');
      for (let i = 0; i < 30 && !parkedSleeper(); i++) {
        child.kill('SIGUSR2');
        for (let j = 0; j < 10 && !parkedSleeper(); j++) await delay(50);
      }
      expect(parkedSleeper()).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toContain('greenthread: 3 live green thread(s)');
    expect(stderr).toMatch(/green thread 0 \(inspect-app\.mjs\): parked on GreenThread\.wait #1 \[WAIT\] for \d+ ms, carrier \d+/);
    expect(stderr).toMatch(/green thread 1 \(waiter\): parked on Event\.wait #\d+ \[OBJ_CALL\] for \d+ ms, carrier \d+, spawned by 0\n\s+spawned:\n\s+at .*inspect-app\.mjs:\d+:\d+\n\s+parked:\n\s+at waiter \(.*inspect-app\.mjs/);
    expect(stderr).toMatch(/green thread 2 \(sleeper\): parked on sleep \[SLEEP\]/);
  });
});

describe('greenthread top', () => {
  it('shows the green threads of a process run with --inspect-green, and clears up after it', async () => {
    const child = spawnChild(process.execPath, [cli, 'run', '--inspect-green', fixture('inspect-app.mjs')], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const top = () => spawnSync(process.execPath, [cli, 'top', String(child.pid), '--once'], { encoding: 'utf8', timeout: 20_000 });
    let r: ReturnType<typeof top>;
    try {
      for (let i = 0; i < 300 && !stdout.includes('ready'); i++) await delay(50);
      expect(stdout).toContain('ready');
      // On a loaded machine the last green thread may not have parked yet: look again, a few times.
      r = top();
      for (let i = 0; i < 20 && !/3 live \(0 running, 3 parked/.test(r.stdout); i++) {
        await delay(100);
        r = top();
      }
    } finally {
      child.kill('SIGKILL');
    }
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^greenthread top: pid ${child.pid}, Node v\\d+`));
    expect(r.stdout).toMatch(/green threads: 3 live \(0 running, 3 parked, 0 finished, 0 queued\)/);
    expect(r.stdout).toMatch(/\n\s+1  waiter\s+parked\s+Event\.wait #\d+\s+\d+(\.\d)? m?s\s+\d+\n/);
    expect(r.stdout).toMatch(/\n\s+2  sleeper\s+parked\s+sleep\s/);
    expect(r.stdout).toMatch(/\n\s+0  inspect-app\.mjs\s+parked\s+GreenThread\.wait #1\s/);
    await new Promise((res) => child.once('exit', res));
    // Killed, it could not remove its socket: top says the process is gone, and removes it.
    const gone = top();
    expect(gone.status).toBe(1);
    expect(gone.stderr).toBe(`greenthread top: there is no process ${child.pid} [ERR_GREEN_TOP_NO_PROCESS]\n`);
    const dir = path.join(os.tmpdir(), `greenthread-${process.getuid!()}`);
    expect(existsSync(path.join(dir, `${child.pid}.sock`))).toBe(false);
    // The sockets' directory is this user's alone: no socket is ever reachable by others.
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('escapes control characters in what the watched process reports, so a name cannot repaint the terminal', () => {
    const { render } = load('../../dist/cli/top.js') as { render(snap: unknown, previous: unknown, rows: number): string };
    const evil = '\x1b[2J\x1b[H owned\x07';
    const out = render(
      {
        pid: 1,
        node: 'v20.0.0',
        at: Date.now(),
        stats: { carriers: 1, idle: 0, starting: 0, queued: 0, live: 1, objects: 0, sockets: 0, servers: 0 },
        loop: { idle: 1, active: 1 },
        threads: [{ id: 7, name: evil, state: 'parked', carrier: 0, parent: undefined, parkedOn: { op: 'CHILD_SPAWN_SYNC', call: 'child process', detail: evil }, parkedMs: 5, spawnedAt: undefined }],
      },
      undefined,
      40,
    );
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(out).toContain('\\x1b[2J\\x1b[H');
  });

  it('says what to do for a process without --inspect-green, and refuses bad arguments', () => {
    const r = spawnSync(process.execPath, [cli, 'top', String(process.pid), '--once'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has no inspection socket \(ENOENT\): run it with `greenthread run --inspect-green app\.js` \[ERR_GREEN_TOP_UNREACHABLE\]/);
    for (const args of [[], ['abc'], ['1', '2'], ['1', '--interval', '5'], ['1', '--colour']]) {
      const bad = spawnSync(process.execPath, [cli, 'top', ...args], { encoding: 'utf8', timeout: 20_000 });
      expect(bad.status, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(/^greenthread: /);
    }
  });
});

describe('diagnostics_channel and NODE_DEBUG', () => {
  const expected = [
    { channel: 'patch', options: { childProcess: true, fibers: true }, version: 1 },
    { channel: 'spawn', id: 1, name: 'napper' },
    { channel: 'park', id: 1, op: 'SLEEP', call: 'sleep', timeout: 20 },
    { channel: 'resume', id: 1, op: 'SLEEP', status: 'ok' },
    { channel: 'end', id: 1, name: 'napper', outcome: 'returned' },
    { channel: 'spawn', id: 2, name: 'waiter' },
    { channel: 'park', id: 2, op: 'OBJ_CALL', call: 'Event.wait', object: 1 },
    { channel: 'kill', id: 2, name: 'waiter', reason: 'enough', force: false },
    { channel: 'resume', id: 2, op: 'OBJ_CALL', status: 'killed' },
    { channel: 'end', id: 2, name: 'waiter', outcome: 'killed' },
  ];

  it('publishes spawn, park, resume, end, kill and patch', async () => {
    const r = await run([fixture('channels.mjs')]);
    expect(r.stderr).toBe('');
    expect(json(r.lines[0])).toEqual(expected);
  });

  it('NODE_DEBUG=greenthread logs the same events', async () => {
    const r = await run([fixture('channels.mjs')], { NODE_DEBUG: 'greenthread' });
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('GREENTHREAD ')).map((l) => l.replace(/^GREENTHREAD \d+: /, ''));
    expect(lines).toEqual([
      'patch {"childProcess":true,"fibers":true} (version 1)',
      'spawn 1 (napper)',
      expect.stringMatching(/^run 1 \(napper\) on carrier \d+$/),
      'park 1 on sleep',
      'resume 1 from SLEEP (ok)',
      'end 1 (napper): returned',
      'spawn 2 (waiter)',
      expect.stringMatching(/^run 2 \(waiter\) on carrier \d+$/),
      'park 2 on Event.wait #1',
      'kill 2 (waiter)',
      'resume 2 from OBJ_CALL (killed)',
      'end 2 (waiter): killed',
    ]);
  });
});
