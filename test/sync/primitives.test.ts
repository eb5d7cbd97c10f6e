// Event, Semaphore, Lock, Queue, Timeout: real green threads on real carriers.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import sinon from 'sinon';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/sync/tasks.mjs');
const { spawn, Event, Queue, Semaphore, BoundedSemaphore, Lock, GreenArgumentError, QueueEmptyError, HubBlockingError, Timeout } = gt;

async function drain<T>(q: GT.Queue<T>): Promise<T[]> {
  const out: T[] = [];
  while (q.size > 0) out.push(await q.getAsync());
  return out;
}

describe('Event', () => {
  it('wakes every waiter on any carrier with the value', async () => {
    const ev = new Event<string>();
    const waiters = [1, 2, 3].map(() => spawn(t.waitEvent, ev));
    await new Promise((r) => setTimeout(r, 50));
    expect(ev.isSet()).toBe(false);
    ev.set('go');
    expect(await Promise.all(waiters.map((g) => g.result))).toEqual(['go', 'go', 'go']);
    expect(ev.isSet()).toBe(true);
    expect(await ev.waitAsync()).toBe('go');
    ev.clear();
    expect(ev.isSet()).toBe(false);
  });

  it('wait(timeout) returns undefined when nothing sets it', async () => {
    expect(await spawn(t.waitEvent, new Event(), 30).result).toBeUndefined();
  });

  it('is set from a green thread and awaited on the hub', async () => {
    const ev = new Event<number>();
    spawn(t.setEvent, ev, 42, 20);
    expect(await ev.waitAsync()).toBe(42);
  });

  it('refuses to block on the hub', () => {
    expect(() => new Event().wait()).toThrow(HubBlockingError);
  });
});

describe('Timeout', () => {
  it('nested timeouts raise the one that fired and leave the outer pending', async () => {
    expect(await spawn(t.nestedTimeouts).result).toEqual(['inner fired', 'outer pending', 'outer fired']);
  });

  it('fires inside a loop that only calls sleep(0)', async () => {
    const r = (await spawn(t.timeoutInYieldLoop).result) as { mine: boolean; spins: number };
    expect(r.mine).toBe(true);
    expect(r.spins).toBeGreaterThan(1);
  });

  it('a Timeout that fired while its green thread computed is dropped by cancel()', async () => {
    expect(await spawn(t.cancelAfterSilentFire).result).toEqual({ survived: true, pending: false });
  });

  it('withTimeout without a timeout value throws the Timeout, which crosses threads as itself', async () => {
    expect(await spawn(t.customTimeoutError).result).toBe('Timeout');
  });

  const supportsUsing = (() => {
    try {
      new Function('{ using x = null; }');
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!supportsUsing)('`using t = new Timeout(ms)` cancels it at the end of the block', async () => {
    const { usingTimeout } = load('../fixtures/sync/using-timeout.mjs');
    expect(await spawn(usingTimeout).result).toEqual({ pending: false });
  });

  it('cannot be armed on the hub', () => {
    expect(() => new Timeout(10)).toThrow(GreenArgumentError);
    expect(new Timeout(null).pending).toBe(false);
  });
});

describe('sleep(0) and links', () => {
  it('two sleep(0) loops interleave', async () => {
    const q = new Queue<string>();
    const start = new Event();
    const loops = [spawn(t.yieldLoop, q, 'a', 200, start), spawn(t.yieldLoop, q, 'b', 200, start)];
    await new Promise((r) => setTimeout(r, 100));
    start.set(); // both are parked on it: they start together
    await Promise.all(loops.map((g) => g.result));
    const order = await drain(q);
    expect(order.filter((x) => x === 'a')).toHaveLength(200);
    let switches = 0;
    for (let i = 1; i < order.length; i++) if (order[i] !== order[i - 1]) switches++;
    expect(switches).toBeGreaterThan(10);
  });

  it('1,000 links fire in the order they were added', async () => {
    const g = spawn(t.delayed, 30);
    const order: number[] = [];
    for (let i = 0; i < 1000; i++) g.link(() => order.push(i));
    await g.result;
    expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

describe('Semaphore and Lock', () => {
  it('a Lock excludes: no two holders interleave', async () => {
    const lock = new Lock();
    const q = new Queue<string>();
    await Promise.all(['a', 'b', 'c', 'd'].map((tag) => spawn(t.lockedAppend, lock, q, tag).result));
    const log = await drain(q);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i].replace(':in', ':out'));
  });

  it('waiters wake in FIFO order', async () => {
    // Waiters queue in the hub in the order their requests arrive; hub-side
    // waiters register synchronously, so their order is exact.
    const sem = new Semaphore(0);
    const woke: number[] = [];
    const waits = [0, 1, 2, 3, 4].map((i) => sem.acquireAsync().then(() => woke.push(i)));
    // A green thread that arrives later queues behind all of them.
    const q = new Queue<number>();
    const late = spawn(t.acquireInOrder, sem, q, 5);
    for (let i = 0; i < 5; i++) sem.release();
    await Promise.all(waits);
    expect(woke).toEqual([0, 1, 2, 3, 4]);
    sem.release();
    await late.result;
    expect(await q.getAsync()).toBe(5);
  });

  it('acquire on the hub: awaitable; with a timeout it answers false', async () => {
    const sem = new Semaphore(1);
    expect(await sem.acquireAsync()).toBe(true);
    expect(await sem.acquireAsync(20)).toBe(false);
    expect(sem.locked()).toBe(true);
    sem.release();
    expect(sem.value).toBe(1);
  });

  it('BoundedSemaphore refuses a release without an acquire', () => {
    const s = new BoundedSemaphore(1);
    expect(() => s.release()).toThrow(/released more often than acquired/);
  });

  it('a Lock refuses a release it does not hold, on the hub and in a green thread, and stays one lock', async () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(expect.objectContaining({ code: 'ERR_GREEN_INVALID_ARG', message: expect.stringMatching(/Lock\.release\(\): the lock is not held/) }));
    expect(lock.locked()).toBe(false);
    expect(await spawn(t.releaseUnheld, lock).result).toEqual({ isLock: true, threw: true, code: 'ERR_GREEN_INVALID_ARG', message: expect.stringMatching(/the lock is not held/) });
    // The refused releases gave no second unit: one holder at a time still.
    expect(await lock.acquireAsync()).toBe(true);
    expect(await lock.acquireAsync(20)).toBe(false);
    lock.release();
  });
});

describe('Queue', () => {
  it('takes a whole number or Infinity as maxsize, and refuses anything else', () => {
    for (const bad of [1.5, -1, NaN, '3', null]) {
      expect(() => new Queue(bad as number), String(bad)).toThrow(expect.objectContaining({ code: 'ERR_GREEN_INVALID_ARG', message: expect.stringMatching(/maxsize must be an integer >= 0, or Infinity/) }));
    }
    for (const good of [0, 1, 1000, Infinity, undefined]) expect(() => new Queue(good), String(good)).not.toThrow();
  });

  it('a get that timed out never swallows the next item', async () => {
    const q = new Queue<string>();
    expect(await spawn(t.getWithTimeout, q, 30).result).toEqual({ error: 'QueueEmptyError', code: 'ERR_GREEN_QUEUE_EMPTY' });
    const late = spawn(t.getWithTimeout, q, 5000);
    await q.putAsync('next');
    expect(await late.result).toEqual({ item: 'next' });
    expect(q.size).toBe(0);
  });

  it('a killed getter never swallows the next item', async () => {
    const q = new Queue<string>();
    const g = spawn(t.getWithTimeout, q, 60_000);
    await new Promise((r) => setTimeout(r, 50));
    g.kill();
    await g.result;
    await q.putAsync('kept');
    expect(await q.getAsync()).toBe('kept');
  });

  it('bounds puts by maxsize and reports full/empty', async () => {
    const q = new Queue<number>(2);
    await q.putAsync(1);
    await q.putAsync(2);
    expect(q.full()).toBe(true);
    await expect(q.putAsync(3, 20)).rejects.toMatchObject({ code: 'ERR_GREEN_QUEUE_FULL' });
    expect(await q.getAsync()).toBe(1);
    expect(q.empty()).toBe(false);
    await expect(new Queue().getAsync(0)).rejects.toBeInstanceOf(QueueEmptyError);
  });

  it('join waits until every item is marked done', async () => {
    const q = new Queue<number>();
    await q.putAsync(1);
    await q.putAsync(2);
    let joined = false;
    const join = q.joinAsync().then(() => (joined = true));
    await q.getAsync();
    q.taskDone();
    await new Promise((r) => setTimeout(r, 20));
    expect(joined).toBe(false);
    await q.getAsync();
    q.taskDone();
    await join;
    expect(joined).toBe(true);
    expect(() => q.taskDone()).toThrow(GreenArgumentError);
  });

  it('a producer and a consumer on different carriers pass 30,000 items, none lost or duplicated', async () => {
    const q = new Queue<number>(1000);
    const consumer = spawn(t.consume, q);
    const producer = spawn(t.produce, q, 30_000);
    await producer.result;
    expect(await consumer.result).toEqual({ count: 30_000, sum: (30_000 * 29_999) / 2, ordered: true });
  }, 120_000);

  it('carries hub objects inside items: they arrive as working handles', async () => {
    const q = new Queue<{ ev: GT.Event<string>; note: string }>();
    const ev = new Event<string>();
    const g = spawn(t.handleInQueueItem, q);
    await q.putAsync({ ev, note: 'asked' });
    expect(await ev.waitAsync()).toBe('asked and answered');
    await g.result;
  });

  it('a hub object made in a green thread comes back as a working handle', async () => {
    const ev = (await spawn(t.makeEvent).result) as GT.Event<string>;
    expect(ev).toBeInstanceOf(Event);
    expect(await ev.waitAsync()).toBe('made in a green thread');
  });
});

void sinon;

describe('lifetime of hub objects', () => {
  it('objects made, passed through threads and queues, held by a carrier that died, then dropped, are freed', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--expose-gc', 'test/fixtures/sync/gc-lifetime.mjs'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ madeAndDroppedInGreenThreads: 0, alive: 1, returnedToHub: 0, passedInQueueItem: 0, heldByADeadCarrier: 0 });
  });
});
