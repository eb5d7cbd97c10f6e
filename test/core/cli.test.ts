// `greenthread run` and `node --import greenthread/register`, as a user runs
// them: real child processes, real exit codes, real stdout.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const fixture = (name: string) => `test/fixtures/cli/${name}`;

function run(args: string[]) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').filter(Boolean) };
}
const json = (line: string | undefined) => JSON.parse(line ?? 'null');

describe('greenthread run', () => {
  it('runs the app as green thread 0 with node-like argv and its exit code', () => {
    const r = run([cli, 'run', fixture('app-esm.mjs'), '5', 'a', 'b']);
    expect(r.stderr).toBe('');
    expect(json(r.lines[0])).toEqual({ argv: ['5', 'a', 'b'], green: true, id: 0, results: [10, 20, 30], overlapped: true });
    expect(r.status).toBe(5);
  });

  it("starts the app's carrier before the hub loads; the hub adopts it only if it got the hub's arguments", () => {
    const threadOf = (line: string | undefined) => Number(/thread (\d+)/.exec(line ?? '')?.[1]);
    // Adopted: the app runs on the early carrier's thread.
    const same = run([fixture('early-start.mjs'), 'same']);
    expect(same.lines).toHaveLength(2);
    expect(same.lines[1]).toMatch(/^app on thread \d+ with given-arg$/);
    expect(threadOf(same.lines[1])).toBe(threadOf(same.lines[0]));
    expect(same.stderr).toBe('');
    expect(same.status).toBe(0);
    // Started with other arguments: ended, and the app runs on a carrier of the hub's own, with the hub's.
    const other = run([fixture('early-start.mjs'), 'other']);
    expect(other.lines).toHaveLength(2);
    expect(other.lines[1]).toMatch(/^app on thread \d+ with given-arg$/);
    expect(threadOf(other.lines[1])).not.toBe(threadOf(other.lines[0]));
    expect(other.stderr).toBe('');
    expect(other.status).toBe(0);
    // And the command itself runs the app.
    expect(run([cli, 'run', fixture('early-app.mjs'), 'x']).lines).toEqual([expect.stringMatching(/^app on thread \d+ with x$/)]);
  });

  it('a green thread that fails unobserved is printed, the app goes on, and the exit status is 1', () => {
    const r = run([cli, 'run', fixture('app-unobserved.mjs')]);
    expect(r.lines).toEqual(['the app went on']);
    expect(r.stderr).toMatch(/green thread \d+ \(spawned by green thread 0\) failed:\nError: failed on purpose, unobserved\n\s+at fails /);
    expect(r.status).toBe(1);
  });

  it('gives a CommonJS app require.main, as node does', () => {
    const r = run([cli, 'run', fixture('app-cjs.cjs')]);
    expect(json(r.lines[0])).toEqual({ main: true, id: 0, argv1: `${root}test/fixtures/cli/app-cjs.cjs` });
    expect(r.status).toBe(0);
  });

  it('prints an uncaught error with its stack and exits 1', () => {
    const r = run([cli, 'run', fixture('app-throws.mjs')]);
    expect(r.lines).toEqual(['before']);
    expect(r.stderr).toMatch(/TypeError: app failed on purpose\n\s+at .*app-throws\.mjs:4/);
    expect(r.status).toBe(1);
  });

  it('process.exit(n) in any green thread exits the process with n, after all its output', () => {
    const r = run([cli, 'run', fixture('app-exit.mjs')]);
    expect(r.lines).toEqual(Array.from({ length: 50 }, (_, i) => `child line ${i}`));
    expect(r.status).toBe(7);
  });

  it('lives until every green thread has ended', () => {
    const r = run([cli, 'run', fixture('app-waits.mjs')]);
    expect(r.lines).toEqual(['app returned', 'late child done']);
    expect(r.status).toBe(0);
  });

  it('runs TypeScript through tsx: carriers inherit the loader', () => {
    const r = run(['--import', 'tsx', cli, 'run', fixture('app-ts.ts')]);
    expect(r.stderr).toBe('');
    expect(json(r.lines[0])).toEqual([
      { label: 'job-1', host: true },
      { label: 'job-2', host: true },
    ]);
    expect(r.status).toBe(0);
  });

  it("takes node's own options after run (--import tsx, --enable-source-maps), for the hub and the carriers, and passes on the exit status", () => {
    const r = run([cli, 'run', '--import', 'tsx', '--enable-source-maps', '--min-carriers', '1', fixture('app-ts.ts')]);
    expect(r.stderr).toBe('');
    expect(json(r.lines[0])).toEqual([
      { label: 'job-1', host: true },
      { label: 'job-2', host: true },
    ]);
    expect(r.status).toBe(0);
    const exits = run([cli, 'run', '--enable-source-maps', fixture('app-exit.mjs')]);
    const plain = run([cli, 'run', fixture('app-exit.mjs')]);
    expect(exits.status).toBe(plain.status);
    expect(exits.stdout).toBe(plain.stdout);
  });

  it('lets a green thread spawn the functions shipped with it (TypeScript, nested)', () => {
    const r = run(['--import', 'tsx', fixture('respawn.ts')]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('[ 6, 9 ]');
  });

  it('makes modules green before the app loads, unless --no-patch', () => {
    const all = { child_process: true, fs: true, process: true, dns: true, net: true };
    expect(json(run([cli, 'run', fixture('app-patched.mjs')]).lines[0])).toEqual({ patched: true, out: 'ran', modules: all });
    expect(json(run([cli, 'run', '--no-patch=child_process', fixture('app-patched.mjs')]).lines[0])).toEqual({ patched: false, out: 'ran', modules: { ...all, child_process: false } });
    expect(json(run([cli, 'run', '--no-patch=fs,dns', fixture('app-patched.mjs')]).lines[0])).toEqual({ patched: true, out: 'ran', modules: { ...all, fs: false, dns: false } });
    const none = { child_process: false, fs: false, process: false, dns: false, net: false };
    expect(json(run([cli, 'run', '--no-patch', fixture('app-patched.mjs')]).lines[0])).toEqual({ patched: false, out: 'ran', modules: none });
    const bad = run([cli, 'run', '--no-patch=fsx', fixture('app-patched.mjs')]);
    expect(bad.stderr).toMatch(/--no-patch: unknown module 'fsx'/);
    expect(bad.status).toBe(2);
  });

  it('monkeyPatch() after other modules loaded warns once, naming them', () => {
    const r = run([fixture('late-patch.cjs')]);
    expect(r.lines.filter((l) => l.startsWith('{')).map(json)).toEqual([{ code: 'ERR_GREEN_LATE_PATCH', names: true }]);
  });

  it('rejects bad usage with a message and exit code 2', () => {
    const r = run([cli, 'run']);
    expect(r.stderr).toMatch(/needs the path of the application/);
    expect(r.status).toBe(2);
    const bad = run([cli, 'run', '--max-carriers', 'many', fixture('app-cjs.cjs')]);
    expect(bad.stderr).toMatch(/--max-carriers must be a non-negative integer/);
    expect(bad.status).toBe(2);
  });

  it('reports a missing app', () => {
    const r = run([cli, 'run', 'no/such/app.js']);
    expect(r.stderr).toMatch(/cannot find the application/);
    expect(r.status).toBe(1);
  });
});

describe('node --import greenthread/register', () => {
  it('makes the main thread the hub and runs the entry once, as green thread 0', () => {
    const r = run(['--import', 'greenthread/register', fixture('app-esm.mjs'), '3']);
    expect(r.lines).toHaveLength(1);
    expect(json(r.lines[0])).toMatchObject({ argv: ['3'], green: true, id: 0 });
    expect(r.status).toBe(3);
  });

  it('patches too, unless GREENTHREAD_NO_PATCH says otherwise', () => {
    const all = { child_process: true, fs: true, process: true, dns: true, net: true };
    expect(json(run(['--import', 'greenthread/register', fixture('app-patched.mjs')]).lines[0])).toEqual({ patched: true, out: 'ran', modules: all });
    const r = spawnSync(process.execPath, ['--import', 'greenthread/register', fixture('app-patched.mjs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, GREENTHREAD_NO_PATCH: 'all' },
    });
    expect(json(r.stdout.trim())).toEqual({ patched: false, out: 'ran', modules: { child_process: false, fs: false, process: false, dns: false, net: false } });
  });

  it('runs a CommonJS entry once', () => {
    const r = run(['--import', 'greenthread/register', fixture('app-cjs.cjs')]);
    expect(r.lines).toHaveLength(1);
    expect(json(r.lines[0])).toMatchObject({ main: true, id: 0 });
  });
});

describe('node flags', () => {
  it('carriers inherit node flags, minus those about the main entry (--input-type, -e)', () => {
    const r = run(['--expose-gc', '--input-type=module', '-e', "import { spawn } from './dist/index.js'; console.log(await spawn(() => typeof globalThis.gc).result)"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function');
  });
});

describe('the package as installed', () => {
  it('works from CommonJS through require()', () => {
    const r = run([fixture('require-cjs.cjs')]);
    expect(json(r.lines[0])).toEqual({ value: 42, spawn: 'function', sleep: 'function' });
  });
});

describe('carrier faults', () => {
  it('a carrier out of memory fails only its green thread; the pool replaces it', () => {
    const r = run([fixture('app-oom.mjs')]);
    expect(json(r.lines.at(-1))).toEqual({ name: 'CarrierDiedError', code: 'ERR_GREEN_CARRIER_DIED', bystander: 'bystander ok', after: 4 });
  });

  it('carriers that cannot start fail the spawn with a clear error instead of hanging', () => {
    const r = run(['--import', `./${fixture('throw-in-carriers.mjs')}`, fixture('app-no-carriers.mjs')]);
    expect(json(r.lines.at(-1))).toMatchObject({ name: 'CarrierDiedError', code: 'ERR_GREEN_CARRIER_DIED' });
    expect(json(r.lines.at(-1)).message).toMatch(/carriers fail to start \(this preload refuses/);
  });

  it('with exit forwarding off, process.exit ends only that carrier', () => {
    const r = run([fixture('app-exit-off.mjs')]);
    expect(json(r.lines.at(-1))).toEqual({ name: 'CarrierDiedError', code: 'ERR_GREEN_CARRIER_DIED', after: 42 });
  });
});

describe('greenthread run --processes', () => {
  it('runs the app in N processes sharing the listening socket, starts one killed by a signal again; SIGTERM ends them all', async () => {
    const net = await import('node:net');
    const { spawn: spawnChild } = await import('node:child_process');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawnChild(process.execPath, [cli, 'run', '--processes', '2', fixture('app-cluster.mjs')], { cwd: root, env: { ...process.env, APP_PORT: String(port) } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const deadline = Date.now() + 20_000;
    while ((out.match(/^ready /gm) ?? []).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const pids = new Set<string>();
    for (let i = 0; i < 20 && pids.size < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
      pids.add(await res.text());
    }
    expect(pids.size).toBe(2);
    // One killed with SIGKILL is started again; the others go on.
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const victim = Number([...pids][0]);
    process.kill(victim, 'SIGKILL');
    const again = Date.now() + 20_000;
    while ((out.match(/^ready /gm) ?? []).length < 3 && Date.now() < again) await new Promise((r) => setTimeout(r, 50));
    expect(out.match(/^ready /gm)).toHaveLength(3);
    expect(err).toContain(`greenthread: process ${victim} was killed by SIGKILL; starting another`);
    const after = new Set<string>();
    for (let i = 0; i < 20 && after.size < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
      after.add(await res.text());
    }
    expect(after.size).toBe(2);
    expect(after.has(String(victim))).toBe(false);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).not.toBeUndefined();
    // Stopping, the primary starts none again.
    expect(out.match(/^ready /gm)).toHaveLength(3);
  }, 45_000);
});
