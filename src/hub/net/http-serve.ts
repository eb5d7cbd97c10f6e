/**
 * serveHttp, hub side. node:http parses requests and holds every connection,
 * idle keep-alive ones included, so an idle client costs the hub a socket
 * and no green thread. A request whose body has arrived is handed to a
 * handler green thread waiting in HTTP_NEXT; each handler thread serves
 * requests one after another, and its next HTTP_NEXT carries the response
 * to the previous one: one round trip per request.
 *
 * Handler threads are started on demand up to `concurrency` and end after
 * `idleMs` without a request. A handler that fails answers 500 (the green
 * thread prints the error and goes on); a handler thread that dies (its
 * carrier crashed) answers 500 for the request it held.
 *
 * The server lives until close(), like a Node server, not with the green
 * thread that started it.
 *
 * Runs on the hub only.
 */
import http from 'node:http';
import https from 'node:https';
import { serialize } from '../../channel/channel.js';
import { Op } from '../../channel/ops.js';
import { GreenArgumentError } from '../../errors.js';
import type { HttpRequestWire, HttpResponseWire, HttpServeRequest, HttpWrite } from '../../net/wire.js';
import type { Hub } from '../hub.js';
import { HubObject, type Resolver } from '../objects/base.js';
import type { HubObjects } from '../objects/registry.js';
import type { HubRequest } from '../types.js';

interface Pending {
  wire: HttpRequestWire;
  res: http.ServerResponse;
}

class HttpServeState extends HubObject {
  #queue: Pending[] = [];
  #idle: HubRequest[] = [];
  #idleTimers = new Map<HubRequest, NodeJS.Timeout>();
  #inflight = new Map<number, { res: http.ServerResponse; thread: number }>();
  #handlers = 0;
  #closed = false;
  #nextRid = 1;

  constructor(
    id: number,
    readonly server: http.Server,
    private readonly options: HttpServeRequest,
    private readonly hub: Hub,
  ) {
    super(id);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.#onRequest(req, res));
  }

  #onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      if (refused) return;
      size += c.length;
      if (size > this.options.maxBodyBytes) {
        refused = true;
        res.writeHead(413, { connection: 'close', 'content-type': 'text/plain' });
        res.end(`request body larger than ${this.options.maxBodyBytes} bytes (serveHttp's maxBodyBytes)\n`);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (refused) return;
      if (this.#closed) {
        res.writeHead(503, { connection: 'close' }).end();
        return;
      }
      const wire: HttpRequestWire = {
        rid: this.#nextRid++,
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        httpVersion: req.httpVersion,
        rawHeaders: req.rawHeaders,
        body: chunks.length === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size),
        remoteAddress: req.socket.remoteAddress,
        remotePort: req.socket.remotePort,
      };
      this.#queue.push({ wire, res });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#idle.length > 0) {
      // The most recently idle handler: its carrier is the warmest.
      const waiter = this.#idle[this.#idle.length - 1]!;
      this.#unidle(waiter);
      this.#handTo(waiter, this.#queue.shift()!);
    }
    // Start handler threads for what is left, up to the limit.
    let missing = Math.min(this.#queue.length, this.options.concurrency - this.#handlers);
    while (missing-- > 0) this.#startHandler();
  }

  #handTo(waiter: HubRequest, p: Pending): void {
    this.#inflight.set(p.wire.rid, { res: p.res, thread: waiter.thread.id });
    if (!this.hub.reply(waiter, p.wire)) {
      // That handler went away meanwhile: the request waits for the next one.
      this.#inflight.delete(p.wire.rid);
      this.#queue.unshift(p);
    }
  }

  #startHandler(): void {
    this.#handlers++;
    const t = this.hub.spawn(this.options.shipped, serialize([this.id]), { loop: 'http' });
    t.endListeners.push(() => {
      this.#handlers--;
      // A handler thread that died holding a request: answer it.
      for (const [rid, f] of this.#inflight) {
        if (f.thread !== t.id) continue;
        this.#inflight.delete(rid);
        if (!f.res.headersSent) f.res.writeHead(500, { 'content-type': 'text/plain' }).end('the handler green thread died\n');
        else f.res.destroy();
      }
      if (!this.#closed) this.#dispatch();
    });
  }

  /** HTTP_NEXT: write the previous response, then wait for a request. */
  next(req: HubRequest, response: HttpResponseWire | undefined): void {
    if (response) this.#respond(response);
    if (this.#closed) return void this.hub.reply(req, null);
    const p = this.#queue.shift();
    if (p) return this.#handTo(req, p);
    this.#idle.push(req);
    this.#idleTimers.set(
      req,
      setTimeout(() => {
        this.#unidle(req);
        this.hub.reply(req, null); // the handler thread ends
      }, this.options.idleMs),
    );
    req.cancel = () => this.#unidle(req);
  }

  #unidle(req: HubRequest): void {
    clearTimeout(this.#idleTimers.get(req));
    this.#idleTimers.delete(req);
    const i = this.#idle.indexOf(req);
    if (i >= 0) this.#idle.splice(i, 1);
  }

  #respond(r: HttpResponseWire): void {
    const f = this.#inflight.get(r.rid);
    if (!f) return;
    this.#inflight.delete(r.rid);
    if (r.streamed) return;
    try {
      f.res.writeHead(r.status, r.headers);
      f.res.end(r.body);
    } catch (err) {
      // Bad headers from the handler: the client gets a 500, the handler's green thread goes on.
      if (!f.res.headersSent) f.res.writeHead(500, { 'content-type': 'text/plain' }).end(`invalid response: ${(err as Error).message}\n`);
      else f.res.destroy();
    }
  }

  /** HTTP_WRITE: a streamed response's head, chunk or end. */
  write(req: HubRequest, w: HttpWrite): void {
    const f = this.#inflight.get(w.rid);
    if (!f) return void this.hub.fail(req, new GreenArgumentError('this response has already ended'));
    const res = f.res;
    if (w.kind === 'head') {
      res.writeHead(w.status, w.headers);
      return void this.hub.reply(req);
    }
    if (w.kind === 'end') {
      this.#inflight.delete(w.rid);
      res.end(w.data);
      return void this.hub.reply(req);
    }
    if (res.write(w.data)) return void this.hub.reply(req);
    // The client reads slowly: the handler waits, as a blocking write would.
    const onDrain = () => {
      res.off('close', onDrain);
      this.hub.reply(req);
    };
    res.once('drain', onDrain);
    res.once('close', onDrain);
    req.cancel = () => {
      res.off('drain', onDrain);
      res.off('close', onDrain);
    };
  }

  call(method: string, _args: unknown[], r: Resolver): void {
    switch (method) {
      case 'close':
        this.close();
        return r.ok();
      case 'address':
        return r.ok(this.server.address());
    }
    this.unknown(method);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.server.close();
    this.server.closeIdleConnections?.();
    for (const p of this.#queue.splice(0)) p.res.writeHead(503, { connection: 'close' }).end();
    for (const waiter of [...this.#idle]) {
      this.#unidle(waiter);
      this.hub.reply(waiter, null);
    }
    // The hub's own reference: the server no longer needs to stay.
    this.onClosed?.();
  }

  onClosed: (() => void) | undefined;

  override dispose(): void {
    this.close();
  }
}

export function registerHttpOps(hub: Hub, objects: HubObjects): void {
  const stateOf = (id: number): HttpServeState => {
    const s = objects.get(id);
    if (!(s instanceof HttpServeState)) throw new GreenArgumentError(`serveHttp server ${id} does not exist (closed?)`);
    return s;
  };

  hub.registerOp(Op.HTTP_SERVE, (req) => {
    const o = req.arg as HttpServeRequest;
    const server = o.tls ? https.createServer(o.tls as https.ServerOptions) : http.createServer();
    const fail = (err: Error) => {
      server.close();
      hub.fail(req, err);
    };
    server.once('error', fail);
    req.cancel = () => server.close();
    server.listen({ port: o.port, host: o.host, backlog: o.backlog }, () => {
      server.off('error', fail);
      server.on('error', (err) => process.emitWarning(`greenthread: serveHttp server error: ${err.message}`, { code: 'ERR_GREEN_SOCKET' }));
      let state!: HttpServeState;
      const id = objects.insert((id) => (state = new HttpServeState(id, server, o, hub)));
      // One reference for the hub itself, so it serves until close() even if every handle is dropped.
      objects.keepIds([id]);
      state.onClosed = () => objects.release(id, 1);
      const marker = { $green: { k: 'http-server', id, info: { address: server.address() } } };
      if (hub.reply(req, marker)) hub.credit(req.carrier, [id]);
      else {
        objects.release(id, 1);
        state.close();
      }
    });
  });

  hub.registerOp(Op.HTTP_NEXT, (req) => {
    stateOf(req.num).next(req, req.arg as HttpResponseWire | undefined);
  });

  hub.registerOp(Op.HTTP_WRITE, (req) => {
    const w = req.arg as HttpWrite;
    stateOf(w.sid).write(req, w);
  });
}
