// greenthread/fibers and greenthread/future as a user installs them: packed,
// installed into a fresh project, required from CommonJS as node-fibers was.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'greenthread-fibers-pkg-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fibers-app', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', path.join(dir, tarball)], { cwd: dir, encoding: 'utf8' });
  writeFileSync(
    path.join(dir, 'app.cjs'),
    `const Fiber = require('greenthread/fibers');
const Future = require('greenthread/future');
const { Fiber: Named } = require('greenthread/fibers');
const fs = require('fs');
const { Event } = require('greenthread');
function counter(start) {
  let n = start;
  for (;;) n += Fiber.yield(n);
}
function reads(job) {
  job.done.set(Future.wrap(fs.readFile)(job.file, 'utf8').wait().length);
}
const c = Fiber(counter);
const first = c.run(1); // a cold pool: run() waits for the fiber's carrier
setTimeout(() => {
  console.log(typeof Fiber, typeof Future, Named === Fiber, typeof Future.wrap, first);
  console.log(c.run(2), c.run(3));
  c.reset();
  Future.task(() => 6 * 7).resolve((err, v) => console.log('task', err, v));
  const done = new Event();
  console.log('read', Fiber(reads).run({ file: __filename, done }));
  done.waitAsync(10000).then((n) => console.log('read length', n === fs.readFileSync(__filename, 'utf8').length));
}, 1500);
`,
  );
  writeFileSync(path.join(dir, 'app.mjs'), `import Fiber from 'greenthread/fibers';\nimport { Future } from 'greenthread/future';\nconsole.log(typeof Fiber.yield, typeof Future.task);\n`);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('require() of greenthread/fibers and greenthread/future gives the Fiber and Future functions, which work', () => {
  const r = spawnSync(process.execPath, ['app.cjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  const lines = r.stdout.trim().split('\n');
  // On a failure, the whole output (an error printed by a callback spans lines).
  const all = r.stdout;
  expect(lines[0], all).toBe('function function true function 1');
  expect(lines[1], all).toBe('3 6');
  expect(lines, all).toContain('read undefined'); // reading waits on the hub: run() returns
  expect(lines, all).toContain('task undefined 42');
  expect(lines, all).toContain('read length true'); // the wrapped call ran in the hub, from the installed package
});

it('import of both entries from ESM', () => {
  const r = spawnSync(process.execPath, ['app.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('function function');
});
