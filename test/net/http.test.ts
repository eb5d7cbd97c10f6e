// serveHttp, fetchSync and net.listenSync/connectSync on loopback: handlers in
// green threads answering real HTTP clients (fetch in this process and
// fetchSync in green threads), and what happens when handlers are slow or fail.
import http from 'node:http';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/net/tasks.mjs');

let port = 0;
beforeAll(async () => {
  gt.monkeyPatch({ net: true });
  port = (await gt.spawn(t.startHttp, 4, 1024).result) as number;
});

describe('serveHttp', () => {
  it('answers plain fetch from the hub; the server outlives the green thread that started it', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/hello`, { headers: { 'x-test': 'yes' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('hello GET /hello yes');
  });

  it('JSON bodies, status and headers, streamed responses, bytes, 204, async handlers, and a failing handler (500) that does not stop it', async () => {
    expect(await gt.spawn(t.fetchAll, port).result).toEqual({
      json: { status: 201, ok: true, header: 'true', type: 'application/json', body: { got: { a: 1 }, method: 'POST' } },
      stream: 'part 0\npart 1\npart 2\nend\n',
      bytes: [1, 2, 3],
      empty: 204,
      async: 'async ok',
      fail: 500,
      afterFail: 'hello GET /x still up',
      arrayBuffer: 'hello GET /x '.length,
    });
  });

  it('slow handlers run side by side, up to its concurrency', async () => {
    // 4 handler green threads, 4 requests that each sleep 300 ms in the handler.
    const slow = Array.from({ length: 4 }, () => fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.json() as Promise<{ start: number; end: number }>));
    const spans = await Promise.all(slow);
    // Every handler had started before the first one finished: they ran side by side.
    expect(Math.max(...spans.map((s) => s.start))).toBeLessThan(Math.min(...spans.map((s) => s.end)));
  });

  it('a body over maxBodyBytes gets 413', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/big`, { method: 'POST', body: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
  });

  it('idle keep-alive clients occupy no green thread: 300 connections, one request each', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 300 });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: '/idle', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject);
      });
    const statuses = await Promise.all(Array.from({ length: 300 }, get));
    expect(statuses.every((s) => s === 200)).toBe(true);
    // 300 connections are open and idle in the hub; green threads alive are at most the 4 handlers.
    expect(Object.values(agent.freeSockets).flat().length).toBeGreaterThan(200);
    expect(gt.poolStats().live).toBeLessThanOrEqual(4);
    agent.destroy();
  });
});

describe('fetchSync', () => {
  it("a network failure throws fetch's own TypeError with its cause", async () => {
    const r = (await gt.spawn(t.fetchErrors).result) as Record<string, { name: string; cause?: string }>;
    expect(r.refused).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
    expect(r.noHost).toMatchObject({ name: 'TypeError', cause: 'ENOTFOUND' });
  });

  it('times out with SocketTimeoutError (ETIMEDOUT)', async () => {
    expect(await gt.spawn(t.fetchTimeout, port).result).toEqual({ name: 'SocketTimeoutError', code: 'ETIMEDOUT' });
  });
});

describe('monkeyPatch({ net: true })', () => {
  it('adds net.listenSync and net.connectSync', async () => {
    expect(gt.isPatched('net', 'listenSync')).toBe(true);
    expect(await gt.spawn(t.netPatched).result).toBe('patched');
  });
});
