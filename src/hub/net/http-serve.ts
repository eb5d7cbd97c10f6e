/**
 * serveHttp, hub side. node:http parses requests and holds every connection,
 * idle keep-alive ones included, so an idle client costs the hub a socket
 * and no green thread. Requests whose bodies have arrived are handed, in
 * batches of up to BATCH_MAX, to handler green threads waiting in
 * HTTP_NEXT; a handler's next HTTP_NEXT carries the responses to its last
 * batch, so under load one round trip serves many requests. A handler that
 * blocks mid-batch gives back what it has not started (HTTP_RETURN).
 *
 * Handler threads are started on demand while fewer than the cores are
 * computing (blocked ones do not count), up to `concurrency`, and end after
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
import os from 'node:os';
import { deserialize, serialize } from '../../channel/channel.js';
import { Op } from '../../channel/ops.js';
import { GreenArgumentError } from '../../errors.js';
import type { HttpReturn, HttpServeRequest, HttpWrite, PackedRequests, PackedResponses } from '../../net/wire.js';
import type { Hub } from '../hub.js';
import { HubObject, type Resolver } from '../objects/base.js';
import type { HubObjects } from '../objects/registry.js';
import type { HubRequest } from '../types.js';

interface Pending {
  rid: number;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  body: Buffer | undefined;
  /** The handler green thread holding it; 0 while it is queued. */
  thread: number;
}

/**
 * A request id is its slot in the table of live requests plus a wrapping
 * sequence number (so that a stale id is recognised): a lookup is an array
 * read, and no Map grows and shrinks with every batch.
 */
const SLOT_SPAN = 2 ** 26;

/** Requests handed to a handler green thread per round trip, at most. */
const BATCH_MAX = 32;
/** Handler green threads that may compute at once: more would only take turns on the cores. */
const RUNNABLE = Math.max(1, os.availableParallelism());

/** The head of a plain string answer (headers 0 in PackedResponses). */
const TEXT_TYPE = 'text/plain; charset=utf-8';

/** Whether the handler set content-length or transfer-encoding itself (any case). */
function hasLengthHeader(headers: Record<string, unknown>): boolean {
  for (const key in headers) {
    const k = key.length === 14 || key.length === 17 ? key.toLowerCase() : '';
    if (k === 'content-length' || k === 'transfer-encoding') return true;
  }
  return false;
}

class HttpServeState extends HubObject {
  #queue: Pending[] = [];
  /** Handler green threads waiting in HTTP_NEXT, most recent last. */
  #idle: HubRequest[] = [];
  #idleTimers = new Map<HubRequest, NodeJS.Timeout>();
  /** Live requests (queued or held by a handler) by slot; see SLOT_SPAN. */
  #slots: (Pending | undefined)[] = [];
  #freeSlots: number[] = [];
  #seq = 0;
  #handlers = 0;
  /** Handler green threads parked on something else (sleep, I/O) mid-request. */
  #blocked = new Set<number>();
  #closed = false;

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
    // No body to wait for (requests have one only with a length or chunked):
    // queued at once, and node:http discards the empty stream when the response ends.
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
      this.#enqueue(req, res, undefined);
      return;
    }
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
      this.#enqueue(req, res, chunks.length === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
  }

  /** A request whose body has fully arrived waits for a handler. */
  #enqueue(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer | undefined): void {
    if (this.#closed) {
      res.writeHead(503, { connection: 'close' }).end();
      return;
    }
    const slot = this.#freeSlots.pop() ?? this.#slots.length;
    this.#seq = (this.#seq + 1) % SLOT_SPAN;
    const p: Pending = { rid: this.#seq * SLOT_SPAN + slot, req, res, body, thread: 0 };
    this.#slots[slot] = p;
    this.#queue.push(p);
    this.#dispatchSoon();
  }

  #dispatchScheduled = false;

  /**
   * Dispatches once the hub has read everything this turn of its loop
   * brought: the requests that arrived together go out as one batch, not
   * one round trip each.
   */
  #dispatchSoon(): void {
    if (this.#dispatchScheduled) return;
    this.#dispatchScheduled = true;
    setImmediate(() => {
      this.#dispatchScheduled = false;
      if (!this.#closed) this.#dispatch();
    });
  }

  #dispatch(): void {
    // Idle handlers first, the most recent (its carrier is warmest), sharing what is queued.
    while (this.#queue.length > 0 && this.#idle.length > 0) {
      const waiter = this.#idle[this.#idle.length - 1]!;
      this.#unidle(waiter);
      const share = Math.min(this.#batchSize(), Math.ceil(this.#queue.length / (this.#idle.length + 1)));
      this.#handTo(waiter, this.#queue.splice(0, share));
    }
    // Then new handlers, while fewer than the cores are computing: blocked ones do not count.
    while (this.#queue.length > 0 && this.#handlers < this.options.concurrency && this.#handlers - this.#blocked.size < RUNNABLE) this.#startHandler();
  }

  /**
   * Requests per hand-over: a batch while handlers compute; one at a time
   * while some are blocked (the handler blocks, so each request deserves a
   * green thread of its own, as eventlet would give it).
   */
  #batchSize(): number {
    return this.#blocked.size > 0 ? 1 : Math.min(BATCH_MAX, this.#queue.length);
  }

  /** The live request `rid` names, if a handler holds it. */
  #held(rid: number): Pending | undefined {
    const p = this.#slots[rid % SLOT_SPAN];
    return p !== undefined && p.rid === rid && p.thread !== 0 ? p : undefined;
  }

  /** A request is answered (or dropped): its slot is free again. */
  #forget(p: Pending): void {
    const slot = p.rid % SLOT_SPAN;
    this.#slots[slot] = undefined;
    this.#freeSlots.push(slot);
  }

  #handTo(waiter: HubRequest, batch: Pending[]): void {
    const thread = waiter.thread.id;
    // Packed: 8 values a request (see PackedRequests).
    const packed: PackedRequests = new Array(batch.length * 8);
    for (let i = 0, j = 0; i < batch.length; i++, j += 8) {
      const p = batch[i]!;
      const req = p.req;
      p.thread = thread;
      packed[j] = p.rid;
      packed[j + 1] = req.method ?? 'GET';
      packed[j + 2] = req.url ?? '/';
      packed[j + 3] = req.httpVersion;
      packed[j + 4] = req.rawHeaders;
      packed[j + 5] = p.body;
      packed[j + 6] = req.socket.remoteAddress;
      packed[j + 7] = req.socket.remotePort;
    }
    if (!this.hub.reply(waiter, packed)) {
      // That handler went away meanwhile: the requests wait for the next one.
      for (const p of batch) p.thread = 0;
      this.#queue.unshift(...batch);
    }
  }

  #startHandler(): void {
    this.#handlers++;
    // A handler that captures values gets them first (see carrier/main.ts's http loop).
    const captured = this.options.captured ? (deserialize(this.options.captured) as unknown[]) : [];
    const t = this.hub.spawn(this.options.shipped, serialize([...captured, this.id]), { loop: 'http' });
    t.endListeners.push(() => {
      this.#handlers--;
      this.#blocked.delete(t.id);
      // A handler thread that died holding requests: answer them.
      for (const p of this.#slots) {
        if (p === undefined || p.thread !== t.id) continue;
        this.#forget(p);
        const res = p.res;
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('the handler green thread died\n');
        else res.destroy();
      }
      if (!this.#closed) this.#dispatch();
    });
  }

  /**
   * HTTP_NEXT: write the previous responses, then wait for requests. With
   * requests queued, they are handed over before the responses are written.
   */
  next(req: HubRequest, responses: PackedResponses | undefined): void {
    this.#blocked.delete(req.thread.id);
    if (!this.#closed && this.#queue.length > 0) {
      // Requests wait: the handler gets them first, and computes while the hub writes its answers.
      this.#handTo(req, this.#queue.splice(0, this.#batchSize()));
      if (responses) this.#respondAll(responses);
      return;
    }
    if (responses) this.#respondAll(responses);
    if (this.#closed) return void this.hub.reply(req, null);
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

  /** HTTP_RETURN: a handler blocks; it gives back what it has not started. */
  giveBack(req: HubRequest, back: HttpReturn): void {
    this.#respondAll(back.responses);
    const returned: Pending[] = [];
    for (const rid of back.rest) {
      const p = this.#held(rid);
      if (!p) continue;
      p.thread = 0;
      returned.push(p);
    }
    // They were first in line: they stay first.
    this.#queue.unshift(...returned);
    this.#blocked.add(req.thread.id);
    this.hub.reply(req);
    if (this.#closed) return;
    // Handlers block: a handler for each request given back (carriers start in parallel), up to the limit.
    let more = Math.min(returned.length, this.options.concurrency - this.#handlers);
    while (more-- > 0) this.#startHandler();
    this.#dispatch();
  }

  #unidle(req: HubRequest): void {
    clearTimeout(this.#idleTimers.get(req));
    this.#idleTimers.delete(req);
    const i = this.#idle.indexOf(req);
    if (i >= 0) this.#idle.splice(i, 1);
  }

  /** Writes packed responses: 4 values each (see PackedResponses). */
  #respondAll(packed: PackedResponses): void {
    for (let j = 0; j + 3 < packed.length; j += 4) {
      this.#respond(packed[j] as number, packed[j + 1] as number, packed[j + 2] as Record<string, string | string[] | number> | 0, packed[j + 3] as string | Uint8Array | undefined);
    }
  }

  #respond(rid: number, status: number, headers: Record<string, string | string[] | number> | 0, body: string | Uint8Array | undefined): void {
    const p = this.#held(rid);
    if (!p) return;
    this.#forget(p);
    if (status === 0) return; // streamed: already written
    const res = p.res;
    try {
      // The whole body is known: say its length, rather than sending it chunked.
      if (headers === 0) {
        const length = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
        res.writeHead(status, ['content-type', TEXT_TYPE, 'content-length', length]);
      } else if (body !== undefined && !hasLengthHeader(headers)) {
        // As a flat list: node:http takes it as it is, with no merging.
        const flat: http.OutgoingHttpHeader[] = [];
        for (const key in headers) flat.push(key, headers[key]!);
        flat.push('content-length', typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
        res.writeHead(status, flat);
      } else res.writeHead(status, headers);
      res.end(body);
    } catch (err) {
      // Bad headers from the handler: the client gets a 500, the handler's green thread goes on.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`invalid response: ${(err as Error).message}\n`);
      else res.destroy();
    }
  }

  /** HTTP_WRITE: a streamed response's head, chunk or end. */
  write(req: HubRequest, w: HttpWrite): void {
    const p = this.#held(w.rid);
    if (!p) return void this.hub.fail(req, new GreenArgumentError('this response has already ended'));
    const res = p.res;
    if (w.kind === 'head') {
      res.writeHead(w.status, w.headers);
      return void this.hub.reply(req);
    }
    if (w.kind === 'end') {
      this.#forget(p);
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
    for (const p of this.#queue.splice(0)) {
      this.#forget(p);
      p.res.writeHead(503, { connection: 'close' }).end();
    }
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
    stateOf(req.num).next(req, req.arg as PackedResponses | undefined);
  });

  hub.registerOp(Op.HTTP_RETURN, (req) => {
    stateOf(req.num).giveBack(req, req.arg as HttpReturn);
  });

  hub.registerOp(Op.HTTP_WRITE, (req) => {
    const w = req.arg as HttpWrite;
    stateOf(w.sid).write(req, w);
  });
}
