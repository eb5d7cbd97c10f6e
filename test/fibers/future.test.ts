// Future: node-fibers' fibers/future on real carriers, no mocks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bodies, Fiber, Future, gt, load, thrown, warm } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-future-'));
const fileA = path.join(dir, 'a.txt');
const fileB = path.join(dir, 'b.txt');
fs.writeFileSync(fileA, 'alpha');
fs.writeFileSync(fileB, 'bravo!');

beforeAll(() => warm(4));

/** Runs a fixture body that reports through an Event, and returns what it reported. */
async function report(body: (arg: object) => unknown, arg: object = {}): Promise<unknown> {
  const ev = new gt.Event();
  Fiber(body).run({ ...arg, ev });
  return ev.waitAsync(10_000);
}

describe('Future outside a fiber (on the hub)', () => {
  it('wrap over fs: the callback resolves it on the hub', async () => {
    const f = Future.wrap(fs.readFile)(fileA, 'utf8');
    expect(f.isResolved()).toBe(false);
    expect(await f.promise()).toBe('alpha');
    expect(f.isResolved()).toBe(true);
    expect(f.get()).toBe('alpha');
  });

  it('wrap over an object adds suffixed wrappers, keeps the originals', async () => {
    const fsf = Future.wrap(fs);
    expect(typeof fsf.readFileFuture).toBe('function');
    expect(fsf.readFile).toBe(fs.readFile);
    expect(await fsf.readFileFuture(fileB, 'utf8').promise()).toBe('bravo!');
    const custom = Future.wrap(fs, false, 'Async');
    expect(typeof custom.statAsync).toBe('function');
  });

  it('wrap with multi resolves with every value of the callback', async () => {
    const two = (a: number, cb: (e: unknown, x: number, y: number) => void) => setTimeout(() => cb(null, a, a + 1), 1);
    expect(await Future.wrap(two, true)(5).promise()).toEqual([5, 6]);
  });

  it('wrap: an error reaches get() and the callbacks', async () => {
    const f = Future.wrap(fs.readFile)(path.join(dir, 'missing'));
    await expect(f.promise()).rejects.toMatchObject({ code: 'ENOENT' });
    expect(thrown(() => f.get())).toMatchObject({ code: 'ENOENT' });
  });

  it('return, throw, resolver, resolve, resolveSuccess', () => {
    const seen: unknown[] = [];
    const f = new Future<number>();
    f.resolve((err, v) => seen.push(['resolve', err, v]));
    f.resolveSuccess((v) => seen.push(['success', v]));
    f.resolver()(null, 7);
    expect(seen).toEqual([
      ['resolve', undefined, 7],
      ['success', 7],
    ]);
    const g = new Future();
    g.resolveSuccess(() => seen.push('never'));
    g.throw(new Error('bad'));
    expect(seen).toHaveLength(2);
    expect(thrown(() => g.get()).message).toBe('bad');
  });

  it('node-fibers errors: resolving twice, reading early, waiting outside a fiber', () => {
    const f = new Future();
    const early = thrown(() => f.get());
    expect(early.message).toBe('Future must resolve before value is ready');
    expect(early.code).toBe('ERR_GREEN_FUTURE_UNRESOLVED');
    const outside = thrown(() => f.wait());
    expect(outside.message).toBe("Can't wait without a fiber");
    expect(outside.code).toBe('ERR_GREEN_FIBER_NO_FIBER');
    expect(thrown(() => Future.wait(f)).message).toBe("Can't wait without a fiber");
    f.return(1);
    const twice = thrown(() => f.return(2));
    expect(twice.message).toBe('Future resolved more than once');
    expect(twice.code).toBe('ERR_GREEN_FUTURE_RESOLVED');
    expect(thrown(() => new Future().throw(undefined)).message).toBe('Must throw non-empty error');
    expect(thrown(() => Future.wait(42)).message).toBe('42 is not a future');
    expect(thrown(() => Future.wrap(42 as never)).code).toBe('ERR_GREEN_INVALID_ARG');
  });

  it('proxy and proxyErrors pass outcomes on', () => {
    const a = new Future();
    const b = new Future();
    a.proxy(b);
    a.return('v');
    expect(b.get()).toBe('v');
    const c = new Future();
    const d = new Future();
    const e = new Future();
    c.proxyErrors([d, e]);
    c.throw(new Error('both'));
    expect(thrown(() => d.get()).message).toBe('both');
    expect(thrown(() => e.get()).message).toBe('both');
  });

  it('fromPromise and promise', async () => {
    expect(await Future.fromPromise(Promise.resolve(3)).promise()).toBe(3);
    await expect(Future.fromPromise(Promise.reject(new Error('no'))).promise()).rejects.toThrow('no');
  });

  it('detach: an error becomes uncaught; a success is ignored', () => {
    const ok = new Future();
    ok.detach();
    ok.return(1);
    const bad = new Future();
    expect(() => bad.detach()).not.toThrow();
  });

  it('Future.task runs the function in a fiber and resolves with its value', async () => {
    expect(await Future.task(bodies.computes).promise()).toBe(499999500000);
    await expect(Future.task(bodies.runaway).promise()).rejects.toBeInstanceOf(RangeError);
    // A closure ships with copies of what it captures, read when the task starts: a local, and
    // the module object of the test's bodies, whose functions ship with it.
    const local = 21;
    expect(await Future.task(() => local * 2).promise()).toBe(42);
    await expect(Future.task(() => bodies.runaway()).promise()).rejects.toBeInstanceOf(RangeError);
    // What cannot be copied fails the task's future.
    const socket = new (class Socket {
      read() {
        return 1;
      }
    })();
    await expect(Future.task(() => socket.read()).promise()).rejects.toBeInstanceOf(gt.GreenClosureError);
  });

  it('Function.prototype.future exists once greenthread/future is loaded, as with fibers/future', async () => {
    expect(typeof (Function.prototype as unknown as Record<string, unknown>).future).toBe('function');
    Future.enableFunctionPrototype(); // still there, and harmless
    const fut = (bodies.noArgs as unknown as { future(): (...a: unknown[]) => InstanceType<typeof Future> }).future();
    expect(await fut(1, 2, 3).promise()).toBe(3);
    // Fibers started from here have it too.
    expect(await report(bodies.usesFutureProto)).toEqual(['function']);
  });
});

describe('Future inside a fiber', () => {
  it('wrap over fs: the call runs in the hub and wait() returns its value', async () => {
    expect(await report(bodies.readsWithFuture, { path: fileA })).toBe('alpha');
  });

  it('wrap over the fs module object', async () => {
    expect(await report(bodies.readsObjectWrapped, { path: fileB })).toEqual(['function', 6, 'function']);
  });

  it('an error of the wrapped call is thrown by wait(), with its code', async () => {
    expect(await report(bodies.failsWithFuture, { path: path.join(dir, 'missing') })).toEqual(['ENOENT', true]);
  });

  it('Future.wait over many wrapped calls', async () => {
    expect(await report(bodies.waitsOnMany, { paths: [fileA, fileB, fileA] })).toEqual([5, 6, 5]);
  });

  it('wrap of a top-level function, single and multi', async () => {
    expect(await report(bodies.wrapsMulti)).toEqual([[5, 6], 5]);
  });

  it('Future.task inside a fiber: tasks run in fibers of their own', async () => {
    expect(await report(bodies.waitsOnTasks)).toEqual([9, 16]);
  });

  it('waiting on a future only the fiber\'s own loop can resolve turns that loop (deasync)', async () => {
    const ev = new gt.Event();
    expect(Fiber(bodies.waitsOnLocalReports).run(ev)).toBeUndefined(); // the wait lets the runner go, as any wait does
    expect(await ev.waitAsync(10_000)).toBe('waited');
    expect(Fiber(bodies.waitsOnResolvedLocal).run()).toBe('already');
  });

  it('wrapping a method of a fiber\'s own object is refused with a code', () => {
    expect(Fiber(bodies.wrapsAMethod).run()).toBe('ERR_GREEN_FIBER_WRAP');
  });
});

it('the future module is the Future class itself under require()', () => {
  expect(load('../../dist/fibers/future-entry.js')).toBe(Future);
  expect(Future.Future).toBe(Future);
});
