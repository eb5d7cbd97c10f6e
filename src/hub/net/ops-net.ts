/**
 * Green networking, hub side: listen, connect and fetchSync requests. The
 * sockets and servers they make are hub objects (see socket-state.ts and
 * server-state.ts); their methods arrive as ordinary object calls.
 *
 * Runs on the hub only.
 */
import net from 'node:net';
import tls from 'node:tls';
import { REQ_ARG, REQ_ARG2 } from '../../channel/layout.js';
import { Op } from '../../channel/ops.js';
import { GreenProtocolError } from '../../errors.js';
import type { ConnectRequest, FetchReply, FetchRequest, ListenRequest } from '../../net/wire.js';
import { SocketTimeoutError } from '../../net/errors.js';
import type { Hub } from '../hub.js';
import type { Resolver } from '../objects/base.js';
import type { HubObjects } from '../objects/registry.js';
import type { HubRequest } from '../types.js';
import { ServerState } from './server-state.js';
import { socketInfo, SocketState } from './socket-state.js';

/** Sockets and servers open in the hub (their handles), for stats and tests. */
const open = { sockets: new Set<SocketState>(), servers: new Set<ServerState>() };

export function netCounts(): { sockets: number; servers: number } {
  return { sockets: open.sockets.size, servers: open.servers.size };
}

export function registerNetOps(hub: Hub, objects: HubObjects): void {
  hub.registerOp(Op.NET_RECV, (req) => {
    const i32 = req.carrier.view.i32;
    const max = i32[REQ_ARG]!;
    const timeout = i32[REQ_ARG2]!;
    const data = req.arg;
    if (max < 1 || timeout < -1 || (data !== undefined && !Buffer.isBuffer(data))) {
      hub.fail(req, new GreenProtocolError(`a recv request with max ${max}, timeout ${timeout} and a ${typeof data} payload`));
      return;
    }
    if (!(objects.get(req.num) instanceof SocketState)) {
      hub.fail(req, new GreenProtocolError(`a recv request for hub object ${req.num}, which is not a socket`));
      return;
    }
    objects.callFor(req, req.num, 'recv', [max, timeout === -1 ? undefined : timeout, data?.length ? data : undefined]);
  });

  /** A new object for the green thread that asked: one reference, credited to its carrier. */
  const deliverNew = (req: HubRequest, kind: string, id: number, info: unknown) => {
    if (hub.reply(req, { $green: { k: kind, id, info } })) hub.credit(req.carrier, [id]);
    else objects.release(id, 1); // it went away meanwhile: the object closes
  };

  const newSocket = (socket: net.Socket) =>
    objects.insert((id) => {
      const s = new SocketState(id, socket, (gone) => open.sockets.delete(gone));
      open.sockets.add(s);
      return s;
    });

  /** An accepted connection, answered through an accept() call. */
  const deliverAccepted = (r: Resolver, socket: net.Socket) => {
    if (socket.destroyed) {
      // It went away while waiting in the backlog; the next one will do.
      return r.fail(Object.assign(new Error('the connection was closed by the client before it was accepted'), { code: 'ECONNABORTED' }));
    }
    const id = newSocket(socket);
    r.ok({ $green: { k: 'socket', id, info: socketInfo(socket) } });
    // The delivery took its own reference; the one insert() made is not needed.
    objects.release(id, 1);
  };

  hub.registerOp(Op.NET_LISTEN, (req) => {
    const o = req.arg as ListenRequest;
    // Half-open allowed, as a socket in C or Python: a peer that shuts down its side can still be answered.
    const server = o.tls ? tls.createServer({ ...(o.tls as tls.TlsOptions), allowHalfOpen: true }) : net.createServer({ allowHalfOpen: true });
    const fail = (err: Error) => {
      server.close();
      hub.fail(req, err);
    };
    server.once('error', fail);
    req.cancel = () => server.close();
    server.listen({ port: o.port, host: o.host, backlog: o.backlog, exclusive: o.exclusive }, () => {
      server.off('error', fail);
      // Errors after listening (EMFILE on accept) are Node's to log; the server goes on.
      server.on('error', (err) => process.emitWarning(`greenthread: listening socket error: ${err.message}`, { code: 'ERR_GREEN_SOCKET' }));
      const id = objects.insert((id) => {
        const s = new ServerState(id, server, deliverAccepted, (gone) => open.servers.delete(gone), !!o.tls);
        open.servers.add(s);
        return s;
      });
      deliverNew(req, 'server', id, { address: server.address() });
    });
  });

  hub.registerOp(Op.NET_CONNECT, (req) => {
    const o = req.arg as ConnectRequest;
    const options = { port: o.port, host: o.host ?? 'localhost', allowHalfOpen: true };
    const socket = o.tls ? tls.connect({ ...(o.tls as tls.ConnectionOptions), ...options, servername: (o.tls as tls.ConnectionOptions).servername ?? (net.isIP(options.host) ? undefined : options.host) }) : net.connect(options);
    let timer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      hub.fail(req, err);
    };
    socket.once('error', fail);
    // An interrupted connect (kill, Timeout) leaves no half-made socket behind.
    req.cancel = () => {
      clearTimeout(timer);
      socket.destroy();
    };
    if (o.timeout !== undefined) {
      timer = setTimeout(() => fail(new SocketTimeoutError(`connect() to ${options.host}:${options.port} timed out after ${o.timeout} ms`)), o.timeout);
    }
    socket.once(o.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.pause();
      deliverNew(req, 'socket', newSocket(socket), socketInfo(socket));
    });
  });

  hub.registerOp(Op.FETCH, (req) => {
    const { url, init, timeout } = req.arg as FetchRequest;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeout);
    }
    req.cancel = () => {
      clearTimeout(timer);
      controller.abort();
    };
    (async () => {
      const res = await fetch(url, { ...(init as RequestInit), signal: controller.signal });
      const body = Buffer.from(await res.arrayBuffer());
      const reply: FetchReply = { status: res.status, statusText: res.statusText, headers: [...res.headers], url: res.url, redirected: res.redirected, body };
      return reply;
    })().then(
      (reply) => {
        clearTimeout(timer);
        hub.reply(req, reply);
      },
      (err) => {
        clearTimeout(timer);
        hub.fail(req, timedOut ? new SocketTimeoutError(`fetchSync(${url}) timed out after ${timeout} ms`) : err);
      },
    );
  });
}
