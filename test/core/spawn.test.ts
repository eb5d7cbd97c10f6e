import { afterEach, describe, expect, it } from 'vitest';
import sinon from 'sinon';
import { createRequire } from 'node:module';
import type * as GT from '../../dist/index.js';

// Node loads greenthread and the fixtures itself (vitest would transform them,
// renaming imports): spawned functions are shipped by their real source, and
// the test and the fixtures share one hub.
const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const tasks = load('../fixtures/core/tasks.mjs');
const { spawn, sleep, isGreenThread, current, GreenThreadExit, HubBlockingError, GreenArgumentError, GreenError, poolStats } = gt;
type HubBlockingError = GT.HubBlockingError;
type GreenThreadExit = GT.GreenThreadExit;
type GreenError = GT.GreenError;

/** Lines the hub wrote to its stdout while `fn` ran (green threads' output lands there). */
async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const spy = sinon.spy(process.stdout, 'write');
  try {
    const value = await fn();
    const lines = spy.getCalls().flatMap((c) => String(c.args[0]).split('\n').filter(Boolean));
    return { value, lines };
  } finally {
    spy.restore();
  }
}

describe('spawn from the hub', () => {
  it('runs a function in a green thread and returns its value', async () => {
    expect(await spawn(tasks.add, 2, 3).result).toBe(5);
  });

  it('ships the module context: imports, top-level functions and constants', async () => {
    const expected = tasks.greet('ada');
    expect(await spawn(tasks.greet, 'ada').result).toBe(expected);
  });

  it('awaits an async function', async () => {
    expect(await spawn(tasks.asyncTask, 5).result).toBe('async done');
  });

  it('runs on a carrier, not on the hub', async () => {
    expect(isGreenThread()).toBe(false);
    expect(current()).toBeUndefined();
    const g = spawn(tasks.whoAmI);
    expect(await g.result).toEqual({ green: true, id: g.id });
  });

  it('keeps Buffers and typed arrays across the boundary', async () => {
    const r = (await spawn(tasks.echoBytes, Buffer.from('bytes')).result) as { isBuffer: boolean; text: string; u16: Uint16Array };
    expect(r.isBuffer).toBe(true);
    expect(r.text).toBe('bytes');
    expect(r.u16).toBeInstanceOf(Uint16Array);
    expect([...r.u16]).toEqual([1, 2, 65535]);
  });

  it('rebuilds errors with class, code, own properties and both stacks', async () => {
    const err = (await spawn(tasks.thrower, 'bad input').result.catch((e) => e)) as RangeError & { code: string; detail: unknown };
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toBe('bad input');
    expect(err.code).toBe('E_TEST');
    expect(err.detail).toEqual({ n: 42 });
    expect(err.stack).toContain('thrower');
    expect(err.stack).toContain('tasks.mjs');
  });

  it("keeps greenthread's own error classes across threads: instanceof and code", async () => {
    const err = await spawn(tasks.badSleep).result.catch((e) => e);
    expect(err).toBeInstanceOf(GreenArgumentError);
    expect(err).toBeInstanceOf(GreenError);
    expect(err.code).toBe('ERR_GREEN_INVALID_ARG');
    expect(err.stack).toContain('badSleep');
  });

  it('parks green threads concurrently: 20 sleepers all overlap', async () => {
    const threads = Array.from({ length: 20 }, (_, i) => spawn(tasks.sleeper, 100, i));
    expect(await Promise.all(threads.map((g) => g.result))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(threads.every((g) => g.dead)).toBe(true);
  });

  it('rejects what is not a function or module URL', () => {
    expect(() => spawn(42 as never)).toThrow(GreenArgumentError);
    try {
      spawn('nope' as never);
    } catch (e) {
      expect((e as GreenError).code).toBe('ERR_GREEN_INVALID_ARG');
    }
  });
});

describe('blocking calls on the hub', () => {
  it('sleep throws HubBlockingError with a code and a fix', () => {
    const err = (() => {
      try {
        sleep(10);
      } catch (e) {
        return e as HubBlockingError;
      }
    })();
    expect(err).toBeInstanceOf(HubBlockingError);
    expect(err).toBeInstanceOf(GreenError);
    expect(err!.code).toBe('ERR_GREEN_BLOCKING_HUB');
    expect(err!.message).toMatch(/green thread/);
  });

  it('wait throws HubBlockingError', async () => {
    const g = spawn(tasks.add, 1, 1);
    expect(() => g.wait()).toThrow(HubBlockingError);
    await g.result;
  });

  it('sleep validates its argument', async () => {
    expect(() => sleep(-1)).toThrow(GreenArgumentError);
  });
});

describe('inside green threads', () => {
  it('spawns and waits on children', async () => {
    expect(await spawn(tasks.spawnChildren, 5).result).toEqual([0, 10, 20, 30, 40]);
  });

  it('wait() throws the child error, rebuilt', async () => {
    expect(await spawn(tasks.waitOnFailing).result).toEqual({ name: 'RangeError', message: 'child failed', code: 'E_TEST' });
  });
});

describe('kill', () => {
  it('throws GreenThreadExit at the park point and runs finally blocks', async () => {
    const { value, lines } = await captureStdout(async () => {
      const g = spawn(tasks.killable, 60_000);
      await new Promise((r) => setTimeout(r, 200));
      g.kill('enough');
      g.kill('twice is harmless');
      return { v: await g.result, g };
    });
    expect(value.v).toBeInstanceOf(GreenThreadExit);
    expect((value.v as GreenThreadExit).message).toContain('enough');
    expect(value.g.killed).toBe(true);
    expect(lines).toContain('["exit","finally"]');
  });

  it('force-kills a green thread stuck in CPU work and the pool carries on', async () => {
    const g = spawn(tasks.spin, 60_000);
    await new Promise((r) => setTimeout(r, 200));
    g.kill({ force: true });
    expect(await g.result).toBeInstanceOf(GreenThreadExit);
    expect(await spawn(tasks.add, 20, 22).result).toBe(42);
  });
});

describe('link', () => {
  it('fires exactly once when it ends, and at once if it already has', async () => {
    const g = spawn(tasks.sleeper, 20, 'v');
    const cb = sinon.spy();
    g.link(cb);
    await g.result;
    expect(cb.calledOnceWith(undefined, 'v')).toBe(true);
    const late = sinon.spy();
    g.link(late);
    expect(late.calledOnceWith(undefined, 'v')).toBe(true);
  });

  it('reports a failure as the first argument', async () => {
    const g = spawn(tasks.thrower, 'linked');
    const err = await new Promise((resolve) => g.link((e) => resolve(e)));
    expect((err as Error).message).toBe('linked');
  });
});

describe('green thread lifetime', () => {
  it('writes stdout in order, all of it before the result', async () => {
    const { value, lines } = await captureStdout(() => spawn(tasks.printer, 300).result);
    expect(value).toBe(300);
    expect(lines.filter((l) => l.startsWith('line '))).toEqual(Array.from({ length: 300 }, (_, i) => `line ${i}`));
  });

  it('ends when its event loop is empty, not when its function returns', async () => {
    const { value, lines } = await captureStdout(() => spawn(tasks.leaveTimer, 50).result);
    expect(value).toBe('returned');
    expect(lines).toContain('timer fired');
  });

  it('an uncaught async error fails only that green thread', async () => {
    const bystander = spawn(tasks.sleeper, 300, 'still here');
    const err = await spawn(tasks.crash).result.catch((e) => e);
    expect((err as Error).message).toBe('async crash');
    expect(await bystander.result).toBe('still here');
    expect(await spawn(tasks.add, 1, 2).result).toBe(3);
  });

  it('keeps the pool bounded and reports its state', async () => {
    await spawn(tasks.add, 1, 1).result;
    const s = poolStats();
    expect(s.carriers).toBeGreaterThanOrEqual(2);
    expect(s.live).toBe(0);
    expect(s.queued).toBe(0);
  });
});

afterEach(() => sinon.restore());

describe('a spawner that never waits', () => {
  it('keeps only its 10,000 most recent ended children waitable, so memory stays bounded', async () => {
    const ended = load('../fixtures/core/tasks-ended.mjs');
    expect(await gt.spawn(ended.manyChildren, 10_050).result).toEqual({ first: 'ERR_GREEN_INVALID_ARG', firstDead: true, firstKilled: 'ERR_GREEN_INVALID_ARG', last: 10_049 });
  }, 60_000);
});
