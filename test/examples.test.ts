// Every example the README links runs and does what it says.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const cli = 'dist/cli.js';
function run(args: string[]) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('examples', () => {
  it('demo: green threads finish the blocking jobs correctly while the hub keeps answering', () => {
    const r = run(['examples/demo.js', '--tasks', '4']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/every job's output: correct/);
    const green = r.out.split('\n').find((l) => l.startsWith('green threads'))!;
    const answered = Number(green.trim().split(/\s+/).at(-1));
    expect(answered).toBeGreaterThan(0);
  });

  it('build-farm: unmodified blocking libraries build every project the same one after another and all at once', () => {
    const r = run([cli, 'run', 'examples/build-farm.mjs', '6']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/results: the same both ways/);
    expect(r.out.match(/^project \d+: 40 sources, 8000 lines, bundle [0-9a-f]{12}$/gm)).toHaveLength(6);
    expect(r.out).toMatch(/6 projects one after another: \d+ ms; all at once in green threads: \d+ ms/);
  });

  it('basics: spawn, wait, link, kill, force kill', () => {
    const r = run(['examples/basics.mjs']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/link: ended with 3 prices/);
    expect(r.out).toMatch(/worker: cleaning up after kill/);
    expect(r.out).toMatch(/killed: true true green thread was killed: shutting down/);
    expect(r.out).toMatch(/force-killed a CPU loop: true/);
  });

  it('coordination: queue, pool, event, timeouts, runInHub', () => {
    const r = run(['examples/coordination.mjs']);
    expect(r.err).toBe('');
    // Jobs 5 and 10 answer after 1 s, past their 250 ms Timeout: always timed out.
    // The others answer in 10 ms: their square, unless a loaded machine delays them past 250 ms.
    const results = /results: (.*)/.exec(r.out)![1].split(' ');
    expect(results).toHaveLength(12);
    results.forEach((cell, i) => {
      const n = i + 1;
      if (n % 5 === 0) expect(cell).toBe(`${n}:timeout`);
      else expect([`${n}:${n * n}`, `${n}:timeout`]).toContain(cell);
    });
    expect(results.filter((c) => !c.endsWith('timeout')).length).toBeGreaterThan(0);
    expect(r.out).toMatch(/imap in order: \[ 1, 4, 9, 16 \]/);
  });

  it('closures: captured values travel, callbacks that change hub state run on the hub', () => {
    const r = run(['examples/closures.mjs']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    const [, files, counted, reported] = /(\d+) files hashed in 4 green threads; counted on the hub: (\d+); reported lines: (\d+)/.exec(r.out)!;
    expect(Number(files)).toBeGreaterThan(50);
    expect(counted).toBe(files);
    expect(reported).toBe(files);
    expect(r.out).toMatch(/digests match a single-threaded run: true/);
  });

  it('legacy-app under greenthread run', () => {
    const r = run([cli, 'run', 'examples/legacy-app.mjs', '3']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/child_process green: true, dns.lookupSync: true/);
    expect(r.out.match(/^job \d ran in process \d+, localhost is 127\.0\.0\.1$/gm)).toHaveLength(3);
  });

  it('workdirs under greenthread run: each green thread in its own directory', () => {
    const r = run([cli, 'run', 'examples/workdirs.mjs', '3']);
    expect(r.status).toBe(0);
    expect(r.out.match(/^project(\d): built in project\1\/, dist\/bundle\.js is 84 bytes \(pwd of its shell: project\1\)$/gm)).toHaveLength(3);
    expect(r.out).toMatch(/still in the directory it started in/);
  });

  it('echo-server: the essay server under greenthread run', () => {
    const r = run([cli, 'run', 'examples/echo-server.mjs', '5']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/5 clients × 100 round trips: 500 answers right/);
  });

  it('watched: greenthread top sees the job board it runs in', () => {
    const r = run([cli, 'run', '--inspect-green', 'examples/watched.mjs', '2']);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/green threads: 6 live \(\d running, \d parked, \d finished, 0 queued\)/);
    expect(r.out).toMatch(/\n\s+5  supervisor\s+parked\s+Event\.wait #\d+/);
    expect(r.out).toMatch(/\n\s+1  producer\s+/);
    const done = /(\d+) jobs made, done by the three workers: (\d+) \+ (\d+) \+ (\d+); supervisor: all jobs done/.exec(r.out)!;
    expect(Number(done[1])).toBeGreaterThan(3);
    expect(Number(done[2]) + Number(done[3]) + Number(done[4])).toBe(Number(done[1]));
  });

  it('http-server: a blocking-style serveHttp handler, 20 clients at once', () => {
    const r = run([cli, 'run', 'examples/http-server.mjs']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/20 requests, each sleeping 100 ms and calling a command and a service, answered in \d+ ms/);
    expect(r.out).toMatch(/first answer: \{\s+report: '\/report\/0'/);
  });

  it('typescript app through tsx', () => {
    const r = run([cli, 'run', '--import', 'tsx', 'examples/typescript/app.ts']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/resize \(120 ms\) done on a \d+-core machine/);
    expect(r.out).toMatch(/upload \(80 ms\) done/);
  });

  it('fibers: a node-fibers program (Future.wrap over fs, a fiber per HTTP request) with only its require paths changed', () => {
    const r = run(['examples/fibers/server.cjs']);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^GET \/ -> 200 \{"file":"index.json","bytes":\d+,"doc":\{"title":"greenthread fibers"/m);
    expect(r.out).toMatch(/^GET \/hello -> 200 .*"greeting":"hello from a fiber"/m);
    expect(r.out).toMatch(/^GET \/missing -> 404 \{"error":"ENOENT"\}$/m);
    expect(r.out).toMatch(/server closed after 3 requests/);
  });
});
