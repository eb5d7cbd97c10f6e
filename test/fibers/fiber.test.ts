// Fiber: node-fibers' API on real carriers (worker threads), no mocks.
import sinon from 'sinon';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodies, Fiber, gt, thrown, until, warm } from './helpers.js';

beforeAll(() => warm(4));

describe('Fiber: creating and running', () => {
  it('works with and without new, and through require() as the module itself', () => {
    const a = Fiber(bodies.returns);
    const b = new Fiber(bodies.returns);
    expect(a).toBeInstanceOf(Fiber);
    expect(b).toBeInstanceOf(Fiber);
    expect(Fiber.Fiber).toBe(Fiber);
    expect(a.run('x')).toEqual({ got: 'x', inFiber: true, started: true });
  });

  it('run() passes its value as the argument on start, and none when called without one', () => {
    expect(Fiber(bodies.noArgs).run()).toBe(0);
    expect(Fiber(bodies.noArgs).run(undefined)).toBe(1);
  });

  it('drives a generator-style fiber: fibonacci by yield and run', () => {
    const fib = Fiber(bodies.fibonacci);
    const seq = Array.from({ length: 10 }, () => fib.run());
    expect(seq).toEqual([0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
    expect(fib.started).toBe(true);
    expect(fib.reset()).toBeUndefined();
    expect(fib.started).toBe(false);
  });

  it('yield returns what the next run() passes; run returns what the fiber returns', () => {
    const f = Fiber(bodies.echo);
    expect(f.started).toBe(false);
    expect(f.run(20)).toBe(40);
    expect(f.started).toBe(true);
    expect(f.run(1)).toBe(2);
    expect(f.started).toBe(false);
  });

  it('a finished fiber runs again from the start, as in node-fibers', () => {
    const f = Fiber(bodies.echo);
    expect(f.run(1)).toBe(2);
    expect(f.run(5)).toBe(6);
    expect(f.run(3)).toBe(6);
    expect(f.run(0)).toBe(1);
  });

  it('an error thrown in the fiber is thrown by run(), with its class', () => {
    const err = thrown(() => Fiber(bodies.throws).run('bad input'));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('bad input');
  });

  it('runaway recursion in a fiber surfaces as a RangeError from run()', () => {
    const err = thrown(() => Fiber(bodies.runaway).run());
    expect(err).toBeInstanceOf(RangeError);
    expect(err.message).toMatch(/call stack/);
  });

  it('Fiber.current is undefined outside a fiber and the running fiber inside one', () => {
    expect(Fiber.current).toBeUndefined();
    expect(Fiber(bodies.returns).run(1)).toMatchObject({ inFiber: true });
  });

  it('Fiber.poolSize maps onto the carrier pool (minCarriers)', () => {
    expect(Fiber.poolSize).toBe(4);
    expect(gt.poolStats().carriers).toBeGreaterThanOrEqual(4);
    expect(thrown(() => (Fiber.poolSize = -1)).code).toBe('ERR_GREEN_INVALID_ARG');
  });
});

describe('Fiber: values', () => {
  it('values bigger than the shared payload area cross both ways, also after the event loop turned', async () => {
    const f = Fiber(bodies.bigValues);
    const out = f.run(300_000) as Uint8Array;
    expect(out.length).toBe(300_000);
    expect(out[299_999]).toBe(7);
    await new Promise((r) => setTimeout(r, 20));
    expect(f.run(new Uint8Array(200_000).fill(1))).toEqual({ length: 200_000, sum: 200_000 });
  });
});

describe('Fiber: throwInto and reset', () => {
  it('throwInto throws at the yield; the fiber can catch it', () => {
    const f = Fiber(bodies.catchesThrowInto);
    expect(f.run()).toBe('waiting');
    expect(f.throwInto(new RangeError('boom'))).toBe('caught RangeError: boom');
  });

  it('throwInto an uncaught error comes back out of throwInto', () => {
    const f = Fiber(bodies.echo);
    f.run(1);
    const err = thrown(() => f.throwInto(new SyntaxError('nope')));
    expect(err).toBeInstanceOf(SyntaxError);
    expect(f.started).toBe(false);
  });

  it('reset unwinds the fiber: its finally blocks run', async () => {
    const ev = new gt.Event();
    const f = Fiber(bodies.withFinally);
    expect(f.run(ev)).toBe('suspended');
    f.reset();
    expect(await ev.waitAsync(5000)).toBe('finally ran');
  });

  it('a zombie yield throws again; reset ends the fiber', () => {
    const f = Fiber(bodies.yieldsTwiceAfterReset);
    expect(f.run()).toBe(1);
    expect(f.reset()).toBeUndefined();
    expect(f.started).toBe(false);
  });

  it('reset on a fiber that never started does nothing', () => {
    expect(Fiber(bodies.echo).reset()).toBeUndefined();
  });
});

describe('Fiber: node-fibers error cases, with their own messages and a code', () => {
  it('Fiber needs a function', () => {
    const err = thrown(() => Fiber(42 as never));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe('Fiber expects a function');
    expect(err.code).toBe('ERR_GREEN_INVALID_ARG');
  });

  it('yield outside a fiber', () => {
    const err = thrown(() => Fiber.yield(1));
    expect(err.message).toBe('yield() called with no fiber running');
    expect(err.code).toBe('ERR_GREEN_FIBER_NO_FIBER');
  });

  it('running a running fiber (here: one parked on the hub)', async () => {
    const f = Fiber(bodies.sleepsThenYields);
    expect(f.run(200)).toBeUndefined(); // parked on sleep: run() returns
    const err = thrown(() => f.run());
    expect(err.message).toBe('This Fiber is already running');
    expect(err.code).toBe('ERR_GREEN_FIBER_RUNNING');
    await until(() => {
      try {
        return f.run() === 'done';
      } catch {
        return false;
      }
    }, 'the fiber to yield after its sleep');
  });

  it('a fiber running itself, resetting or throwing into itself', () => {
    expect(Fiber(bodies.selfRun).run()).toEqual({
      run: ['This Fiber is already running', 'ERR_GREEN_FIBER_RUNNING'],
      reset: ['This Fiber is not yielding', 'ERR_GREEN_FIBER_NOT_YIELDING'],
      throwInto: ['This Fiber is not yielding', 'ERR_GREEN_FIBER_NOT_YIELDING'],
    });
  });

  it('throwInto and reset on a fiber that is not yielding', () => {
    const idle = Fiber(bodies.echo);
    const err = thrown(() => idle.throwInto(new Error('x')));
    expect(err.message).toBe('This Fiber is not yielding');
    expect(err.code).toBe('ERR_GREEN_FIBER_NOT_YIELDING');
    const parked = Fiber(bodies.sleepsThenYields);
    parked.run(100);
    expect(thrown(() => parked.reset()).message).toBe('This Fiber is not yielding');
  });

  it('too many arguments', () => {
    const f = Fiber(bodies.echo);
    expect(thrown(() => f.run(1, 2)).message).toBe('run() excepts 1 or no arguments');
    expect(thrown(() => Fiber.yield(1, 2)).message).toBe('yield() expects 1 or no arguments');
  });

  it('a body that closes over mutable outer state is refused at Fiber() time, naming it', () => {
    const err = thrown(() => bodies.closesOverLet());
    expect(err).toBeInstanceOf(gt.GreenClosureError);
    expect(err.code).toBe('ERR_GREEN_CLOSURE');
    expect(err.message).toMatch(/`count`/);
  });
});

describe('Fiber: I/O and the hub', () => {
  it('a fiber waiting on the hub makes run() return undefined; the hub resumes it', async () => {
    const f = Fiber(bodies.sleepsThenYields);
    expect(f.run(30)).toBeUndefined();
    expect(f.started).toBe(true);
    // The hub's sleep timer resumes it; it then yields with nobody in run().
    await until(() => {
      try {
        return f.run() === 'done';
      } catch {
        return false;
      }
    }, 'the fiber to finish');
    expect(f.started).toBe(false);
  });

  it('nested fibers: a fiber runs another fiber, carrier to carrier', async () => {
    const ev = new gt.Event();
    Fiber(bodies.nested).run(ev); // starting the inner fiber waits on the hub: run() returns
    expect(await ev.waitAsync(10_000)).toEqual({ seen: [10, 11, 13, 16], innerStarted: false, current: true });
  });

  it('a child process started in a fiber calls back after the fiber body returned', async () => {
    const ev = new gt.Event();
    expect(Fiber(bodies.startsChild).run(ev)).toBe('body returned');
    expect(await ev.waitAsync(10_000)).toBe('from-child');
  });

  it('on the hub, run() starts its fiber on an idle carrier even while every core computes', async () => {
    // As many computing green threads as cores: a plain spawn would queue now.
    // The spinners are watched until they run; then one carrier must be idle.
    const cores = (await import('node:os')).availableParallelism();
    await warm(cores + 1);
    const spinning = Array.from({ length: cores }, () => gt.spawn(bodies.spins, 2500));
    const ids = new Set(spinning.map((g) => g.id));
    await until(() => gt.dumpGreenThreads().filter((t) => ids.has(t.id) && t.state === 'running').length === cores, 'the spinning green threads to run');
    await until(() => gt.poolStats().idle >= 1, 'an idle carrier beside the spinners');
    expect(Fiber(bodies.returns).run('x')).toEqual({ got: 'x', inFiber: true, started: true });
    await Promise.all(spinning.map((g) => g.result));
  });

  it('a cold pool: run() returns undefined and the fiber starts when its carrier is up', async () => {
    // Every warm carrier busy: the next fiber waits for a new one.
    const busy = Array.from({ length: 4 }, () => Fiber(bodies.suspended));
    busy.forEach((f, i) => f.run(i));
    const f = Fiber(bodies.suspended);
    const first = f.run(7);
    if (first === undefined) {
      expect(thrown(() => f.run(1)).code).toBe('ERR_GREEN_FIBER_RUNNING');
      await until(() => {
        try {
          return f.run(1) === 8;
        } catch {
          return false;
        }
      }, 'the fiber to start');
    } else {
      expect(first).toBe(7); // a carrier was idle after all
      expect(f.run(1)).toBe(8);
    }
    // The busy ones may have found a cold pool too (a loaded machine): each answers once it is up.
    for (const [i, b] of busy.entries()) {
      await until(() => {
        try {
          return b.run(1) === i + 1;
        } catch {
          return false;
        }
      }, `busy fiber ${i} to answer`);
    }
  });

  it('resuming from a callback on the fiber\'s own loop (node-fibers\' sleep): its loop turns while it yields (deasync)', async () => {
    const f = Fiber(bodies.nodeFibersSleep);
    // Long enough that the runner sees the yield before the timer resumes the fiber, also on a loaded machine.
    expect(f.run(200)).toBeUndefined(); // the yield
    await until(() => !f.started, 'the timer to resume the fiber and the fiber to end');
  });

  it('an uncaught error left behind by a finished fiber retires its carrier; later fibers start elsewhere', async () => {
    const spy = sinon.stub(process.stderr, 'write').returns(true);
    try {
      expect(Fiber(bodies.leavesAnError).run()).toBe('returned first');
      await until(() => spy.getCalls().some((c) => /late error of a finished fiber/.test(String(c.args[0]))), 'the report of the late error');
      await new Promise((r) => setTimeout(r, 50));
      const f = Fiber(bodies.echo);
      let first = f.run(4);
      if (first === undefined) {
        await until(() => {
          try {
            first = f.run(4);
            return true;
          } catch {
            return false;
          }
        }, 'the fiber to start');
        expect(first).toBe(5); // it had yielded 8 to nobody; resumed with 4
      } else {
        expect(first).toBe(8);
        expect(f.run(1)).toBe(2);
      }
    } finally {
      spy.restore();
    }
  });

  it('hub objects cross run() and yield() as working handles', async () => {
    const a = new gt.Event();
    const b = new gt.Event();
    const f = Fiber(bodies.handlesAcross);
    expect(f.run(a)).toBe('ready');
    expect(f.run(b)).toBeUndefined(); // b.set() is a hub request: run() returns
    expect(await b.waitAsync(5000)).toBe('set in the fiber');
    let back: unknown;
    await until(() => {
      try {
        back = f.run();
        return true;
      } catch {
        return false;
      }
    }, 'the fiber to yield');
    expect(back).toBeInstanceOf(gt.Event);
    (back as InstanceType<typeof gt.Event>).set('through the returned handle');
    expect(await a.waitAsync(1000)).toBe('through the returned handle');
    expect(f.started).toBe(false);
  });

  it('between two fibers\' carriers, a hub object in a later run() value is refused with a code', async () => {
    const ev = new gt.Event();
    Fiber(bodies.nestedHandles).run(ev);
    expect(await ev.waitAsync(10_000)).toEqual({ ready: 'inner ready', error: ['ERR_GREEN_FIBER_HANDLE', 'FiberError'] });
  });
});
