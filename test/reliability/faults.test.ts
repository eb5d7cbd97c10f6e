// A carrier that dies under a green thread: the hub closes what that green
// thread held (its sockets, its child process), its waiters get a clear
// error, and other green threads go on.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';
import { alive } from '../wait.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const faults = load('../fixtures/reliability/faults.mjs');

let open = 0;
const server = net.createServer((s) => {
  open++;
  s.on('close', () => open--);
  s.resume();
});
const ready = new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
afterAll(() => server.close());

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
};


describe('a carrier that dies mid-operation', () => {
  it('terminated (kill force) while in execSync: its sockets are closed, its child is killed, others go on', async () => {
    const port = await ready;
    const pidFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gt-faults-')), 'pid');
    const started = new gt.Event<number>();
    gt.monkeyPatch({ childProcess: true });
    const victim = gt.spawn(faults.holdAndBlock, port, pidFile, started);
    expect(await started.waitAsync()).toBe(3);
    await until(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '');
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    victim.kill({ force: true });
    expect(await victim.result).toBeInstanceOf(gt.GreenThreadExit);
    await until(() => gt.poolStats().sockets === 0 && open === 0);
    await until(() => !alive(pid));
    // The pool goes on: a new green thread runs.
    expect(await gt.spawn((x: number) => x * 2, 21).result).toBe(42);
  }, 30_000);

  it('an uncaught error in its event loop: the green thread fails, its sockets are closed, the carrier is replaced', async () => {
    const port = await ready;
    const started = new gt.Event<number>();
    const victim = gt.spawn(faults.throwLater, port, started);
    expect(await started.waitAsync()).toBe(2);
    const err = await victim.result.catch((e: Error) => e);
    expect((err as Error).message).toMatch(/uncaught, in a timer/);
    await until(() => gt.poolStats().sockets === 0 && open === 0);
    expect(await gt.spawn((x: number) => x + 1, 1).result).toBe(2);
  }, 30_000);
});
