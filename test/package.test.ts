// The package as a user installs it: `npm pack`, install the tarball into a
// fresh project, then import, require and run it there. Proves that the files
// the package ships (and only those) are the ones that work.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'greenthread-pkg-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-app', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', path.join(dir, tarball)], { cwd: dir, encoding: 'utf8' });
  writeFileSync(
    path.join(dir, 'app.mjs'),
    `import { spawn, sleep, current } from 'greenthread';
import { basename } from 'node:path';
function work(n) { sleep(20); return basename('/a/' + n) + '@' + current().id; }
const gs = [1, 2, 3].map((n) => spawn(work, n));
console.log(JSON.stringify(gs.map((g) => g.wait())));
`,
  );
  writeFileSync(
    path.join(dir, 'lib.cjs'),
    `const { spawn } = require('greenthread');
spawn((a, b) => a + b, 40, 2).result.then((v) => console.log(v));
`,
  );
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
}

describe('installed package', () => {
  it('ships only dist and the README, with types', () => {
    const r = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8' });
    const files = (JSON.parse(r)[0].files as { path: string }[]).map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/carrier/main.js');
    expect(files.every((f) => f.startsWith('dist/') || ['package.json', 'README.md', 'LICENSE'].includes(f))).toBe(true);
  });

  it('runs an app with the installed bin: greenthread run', () => {
    const r = run([path.join(dir, 'node_modules/greenthread/dist/cli.js'), 'run', 'app.mjs']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([expect.stringMatching(/^1@\d+$/), expect.stringMatching(/^2@\d+$/), expect.stringMatching(/^3@\d+$/)]);
  });

  it('runs with node --import greenthread/register', () => {
    const r = run(['--import', 'greenthread/register', 'app.mjs']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toHaveLength(3);
  });

  it('can be required from CommonJS', () => {
    const r = run(['lib.cjs']);
    expect(r.stdout.trim()).toBe('42');
  });
});
