// The spawner: the small process that starts the children of green threads,
// so the hub's big process never forks. Real children, real signals.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';
import type * as Spawner from '../../dist/hub/spawner.js';
import { alive, until } from '../wait.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const spawner = load('../../dist/hub/spawner.js') as typeof Spawner;
const t = load('../fixtures/patches/spawner-tasks.mjs');
const { spawn, monkeyPatch, GreenThreadExit, SpawnerDiedError } = gt;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-spawner-'));
beforeAll(() => monkeyPatch());
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the spawner starts the children of green threads', () => {
  it('is started once the first carrier is up, and is the parent of a green thread\'s child', async () => {
    await spawn(t.nothing).result;
    expect(spawner.spawnerPid()).toBeGreaterThan(0);
    const r = (await spawn(t.parentOfChild).result) as { ppid: number; pid: number };
    expect(r.pid).toBe(process.pid);
    // The shell's parent is the spawner, not this (big) process.
    expect(r.ppid).toBe(spawner.spawnerPid());
    expect(r.ppid).not.toBe(process.pid);
  });

  it('a call in flight when the spawner dies fails with ERR_GREEN_SPAWNER_DIED; the next call starts a new spawner', async () => {
    const pidFile = path.join(dir, 'victim.pid');
    const g = spawn(t.longChild, pidFile);
    await until(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '', 'the child to start');
    const old = spawner.spawnerPid()!;
    process.kill(old, 'SIGKILL');
    const err = await g.result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SpawnerDiedError);
    expect((err as { code: string }).code).toBe('ERR_GREEN_SPAWNER_DIED');
    expect((err as Error).message).toMatch(/sleep 30|exec sleep/);
    // Its orphaned child is no longer ours to end: end it here.
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    if (alive(child)) process.kill(child, 'SIGKILL');
    const again = (await spawn(t.parentOfChild).result) as { ppid: number };
    expect(again.ppid).toBe(spawner.spawnerPid());
    expect(again.ppid).not.toBe(old);
  });

  it('killing the green thread kills its child in the spawner', async () => {
    const pidFile = path.join(dir, 'killed.pid');
    const g = spawn(t.longChild, pidFile);
    await until(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '', 'the child to start');
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(alive(child)).toBe(true);
    g.kill();
    expect(await g.result).toBeInstanceOf(GreenThreadExit);
    await until(() => !alive(child), 'the child to end');
  });

  it('timeout ends the call although a grandchild still holds the pipes, as Node does', async () => {
    const r = (await spawn(t.tryExec, 'sleep 6 & sleep 10', { timeout: 300 }).result) as { error?: { code: string } };
    expect(r.error?.code).toBe('ETIMEDOUT');
  }, 5_000);

  it('a descriptor the green thread opened goes to its child (started by the hub itself)', async () => {
    const file = path.join(dir, 'fd-out.txt');
    const r = (await spawn(t.intoOwnFd, file).result) as { status: number; stdout: unknown };
    expect(r.status).toBe(0);
    expect(r.stdout).toBeNull();
    expect(fs.readFileSync(file, 'utf8')).toBe('into-fd\n');
  });

  it('children with inherited stdio use the process\'s own stdin, stdout and stderr', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const r = spawnSync(process.execPath, ['dist/cli.js', 'run', 'test/fixtures/patches/spawner-inherit.mjs'], {
      cwd: root,
      input: 'piped-in\n',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout).toBe('inherited-stdout\nfrom-stdin:piped-in\n');
    expect(r.stderr).toBe('inherited-stderr\n');
    expect(r.status).toBe(0);
  });
});
