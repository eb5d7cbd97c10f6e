// Green sockets on loopback: blocking-style servers and clients in green
// threads, real TCP and TLS in the hub, and the semantics eventlet's and
// gevent's tests check (timeouts, interrupted reads and connects, resets,
// writes after close, ownership).
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import type * as GT from '../../dist/index.js';

const load = createRequire(import.meta.url);
const gt = load('../../dist/index.js') as typeof GT;
const t = load('../fixtures/net/tasks.mjs');

/** A plain Node server in the hub (this process's main thread), for the peer's side. */
async function peer(onConnection: (s: net.Socket) => void): Promise<{ port: number; close: () => void }> {
  const server = net.createServer(onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
};

const servers: { close: () => void }[] = [];
afterAll(() => servers.forEach((s) => s.close()));

describe('blocking-style servers and clients', () => {
  it("the essay's server: accept, spawn a handler per connection; 20 clients at once, every byte echoed", async () => {
    const ready = new gt.Queue<number>();
    const server = gt.spawn(t.essayServer, ready, 20);
    const port = await ready.getAsync();
    const sums = await Promise.all(Array.from({ length: 20 }, (_, i) => gt.spawn(t.echoClient, port, i, 20, 3000).result));
    sums.forEach((sum, i) => {
      let want = 0;
      for (let r = 0; r < 20; r++) want += ((i + r) % 251) * 3000;
      expect(sum).toBe(want);
    });
    await server.result;
  });

  it('serve(): a bounded pool of handlers; returns when the server closes', async () => {
    const ready = new gt.Queue<number>();
    const stop = new gt.Event();
    const server = gt.spawn(t.serveEcho, ready, stop, 4);
    const port = await ready.getAsync();
    // 10 clients, 4 handled at a time: the others wait in the backlog, none is refused.
    const sums = await Promise.all(Array.from({ length: 10 }, (_, i) => gt.spawn(t.echoClient, port, i, 5, 100).result));
    expect(sums).toHaveLength(10);
    stop.set();
    expect(await server.result).toBe('serve returned');
  });

  it('TLS: listen with key and cert, connect with the CA', async () => {
    const key = fs.readFileSync(new URL('../fixtures/net/key.pem', import.meta.url), 'utf8');
    const cert = fs.readFileSync(new URL('../fixtures/net/cert.pem', import.meta.url), 'utf8');
    expect(await gt.spawn(t.tlsEcho, key, cert).result).toBe('over tls');
  });

  it('half close, recvInto, recvExactly and its IncompleteReadError', async () => {
    const p = await peer((s) => {
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('end', () => s.end(`answer to ${got.startsWith('question') ? 'question' : got}`));
    });
    servers.push(p);
    expect(await gt.spawn(t.halfClose, p.port).result).toBe('answer to question');
    const e = await peer((s) => {
      s.on('data', (d) => s.write(d));
      s.on('end', () => s.end('abc'));
    });
    servers.push(e);
    expect(await gt.spawn(t.exactReads, e.port).result).toEqual({
      first: '0123',
      rest: '456789',
      incomplete: { is: true, code: 'ERR_GREEN_INCOMPLETE_READ', partial: 3 },
    });
  });

  it("errors are Node's: ECONNREFUSED; bad arguments are ERR_GREEN_INVALID_ARG", async () => {
    const p = await peer(() => {});
    const port = p.port;
    p.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(await gt.spawn(t.refused, port).result).toEqual({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(await gt.spawn(t.badArguments).result).toEqual(['ERR_GREEN_INVALID_ARG', 'ERR_GREEN_INVALID_ARG', 'ERR_GREEN_INVALID_ARG']);
  });
});

describe('socket semantics', () => {
  it('a timeout raises ETIMEDOUT and the socket stays usable; timeouts change between calls', async () => {
    const p = await peer((s) => s.on('data', (d) => s.write(d)));
    servers.push(p);
    expect(await gt.spawn(t.timeouts, p.port).result).toEqual({ first: { code: 'ETIMEDOUT', name: 'SocketTimeoutError' }, back: 'after timeout', second: 'ETIMEDOUT' });
  });

  it('a Timeout interrupting recv loses nothing: later bytes go to the next recv', async () => {
    const p = await peer((s) => setTimeout(() => s.write('late'), 300));
    servers.push(p);
    expect(await gt.spawn(t.interruptedRecv, p.port).result).toEqual({ interrupted: true, later: 'late' });
  });

  it('a kill interrupting recv loses nothing: later bytes go to the green thread still holding the socket', async () => {
    const p = await peer((s) => setTimeout(() => s.write('late'), 300));
    servers.push(p);
    expect(await gt.spawn(t.killedReader, p.port, new gt.Queue()).result).toEqual({ killed: 'ERR_GREEN_KILLED', later: 'late' });
  });

  it('a second recv on the same socket at once gets SocketBusyError', async () => {
    const p = await peer((s) => s.on('data', (d) => s.write(d)));
    servers.push(p);
    expect(await gt.spawn(t.twoReaders, p.port).result).toEqual({ second: { busy: true, code: 'ERR_GREEN_SOCKET_BUSY' }, first: 'wake' });
  });

  it('an interrupted connect closes the half-made socket', async () => {
    let closed = 0;
    // A TCP server that never answers the TLS handshake.
    const p = await peer((s) => {
      s.on('close', () => closed++);
      s.resume(); // read (and drop) the handshake, so the end of the connection is seen
    });
    servers.push(p);
    expect(await gt.spawn(t.interruptedConnect, p.port).result).toBe('ERR_GREEN_TIMEOUT');
    await until(() => closed === 1);
    expect(gt.poolStats().sockets).toBe(0);
  });

  it('a connection closed by its client while waiting in the backlog: recv sees the end at once', async () => {
    const ready = new gt.Queue<number>();
    const go = new gt.Event();
    const server = gt.spawn(t.acceptClosed, ready, go);
    const port = await ready.getAsync();
    await new Promise<void>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => c.end());
      c.on('close', () => resolve());
      c.resume();
      setTimeout(() => c.destroy(), 200);
    });
    go.set();
    expect(await server.result).toBe(0);
  });

  it('a peer reset gives ECONNRESET', async () => {
    const p = await peer((s) => setTimeout(() => s.resetAndDestroy(), 50));
    servers.push(p);
    expect(await gt.spawn(t.afterReset, p.port).result).toBe('ECONNRESET');
  });

  it('writing after the peer closed gives EPIPE', async () => {
    const p = await peer((s) => s.destroy());
    servers.push(p);
    expect(await gt.spawn(t.afterPeerClosed, p.port).result).toEqual({ eof: 0, code: 'EPIPE' });
  });

  it("a killed green thread's sockets are closed by the hub; the hub's socket count returns to zero", async () => {
    let open = 0;
    const p = await peer((s) => {
      open++;
      s.on('close', () => open--);
      s.resume();
    });
    servers.push(p);
    const started = new gt.Event<number>();
    const holder = gt.spawn(t.holdSockets, p.port, 5, started);
    expect(await started.waitAsync()).toBe(5);
    expect(gt.poolStats().sockets).toBe(5);
    holder.kill();
    await until(() => open === 0 && gt.poolStats().sockets === 0);
    // A green thread that returns without closing its sockets: closed as well.
    expect(await gt.spawn(t.leaveSocketsOpen, p.port, 3).result).toBe(3);
    await until(() => open === 0 && gt.poolStats().sockets === 0);
  });
});
