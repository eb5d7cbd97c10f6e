/**
 * serveHttp: an HTTP server whose handler is blocking-style code running in
 * green threads. The hub parses HTTP with node:http and holds every
 * connection; only requests in flight occupy a green thread.
 *
 * Runs on every thread (serveHttp itself in green threads).
 */
import { carrierBackend } from '../backend.js';
import { Op } from '../channel/ops.js';
import { GreenArgumentError, HubBlockingError } from '../errors.js';
import { packCall } from '../green-thread.js';
import { callNow } from '../sync/call.js';
import { facadeOf, HubHandle, registerKind, type HandleRef } from '../sync/handles.js';
import { checkPort } from './socket.js';
import type { HttpRequestWire, HttpResponseWire, HttpServeRequest, HttpWrite } from './wire.js';

type Headers = Record<string, string | string[] | number>;

/** What a handler may return. */
export type HttpResult =
  | string
  | Buffer
  | Uint8Array
  | undefined
  | void
  | {
      status?: number;
      headers?: Headers;
      /** A string, bytes, or a plain object/array sent as JSON. */
      body?: string | Buffer | Uint8Array | object | null;
    };

/** Options of {@link serveHttp}. */
export interface ServeHttpOptions {
  port: number;
  host?: string;
  backlog?: number;
  /** https.createServer options (`key`, `cert`, ...): serve HTTPS. */
  tls?: Record<string, unknown>;
  /** Requests handled at once, each in its own green thread. Default 64. */
  concurrency?: number;
  /** Larger request bodies get 413. Default 16 MB. */
  maxBodyBytes?: number;
  /** A handler green thread with no request for this long ends (ms). Default 5000. */
  idleTimeout?: number;
}

/**
 * A request as a handler sees it. The body has fully arrived before the
 * handler runs.
 */
export class GreenRequest {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  /** Lower-cased names; repeated headers joined with ', ' (set-cookie: an array), as node:http. */
  readonly headers: Record<string, string | string[]>;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly #body: Uint8Array | undefined;
  /** @internal */
  readonly rid: number;
  /** @internal */
  readonly sid: number;
  /** @internal Set once the handler started a streamed response. */
  stream: ResponseStream | undefined;

  /** @internal */
  constructor(wire: HttpRequestWire, sid: number) {
    this.rid = wire.rid;
    this.sid = sid;
    this.method = wire.method;
    this.url = wire.url;
    this.httpVersion = wire.httpVersion;
    this.remoteAddress = wire.remoteAddress;
    this.remotePort = wire.remotePort;
    this.#body = wire.body;
    const headers: Record<string, string | string[]> = {};
    const raw = wire.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      const value = raw[i + 1]!;
      const prev = headers[name];
      if (name === 'set-cookie') headers[name] = [...((prev as string[] | undefined) ?? []), value];
      else headers[name] = prev === undefined ? value : `${prev as string}, ${value}`;
    }
    this.headers = headers;
  }

  /** The request body (empty when there is none). */
  body(): Buffer {
    const b = this.#body;
    return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.alloc(0);
  }

  /** The body as UTF-8 text. */
  text(): string {
    return this.body().toString('utf8');
  }

  /** The body parsed as JSON (SyntaxError if it is not). */
  json(): unknown {
    return JSON.parse(this.text());
  }

  /**
   * Starts a streamed response: the head goes out now, then each write()
   * (parking while the client is slow to read), then end(). The handler's
   * return value is then ignored.
   *
   * @example
   * ```ts
   * serveHttp({ port: 8080 }, (req) => {
   *   const out = req.respond(200, { 'content-type': 'text/plain' })
   *   for (let i = 0; i < 3; i++) { out.write(`tick ${i}\n`); sleep(100) }
   *   out.end()
   * })
   * ```
   */
  respond(status = 200, headers: Headers = {}): ResponseStream {
    if (this.stream) throw new GreenArgumentError('respond() was already called for this request');
    this.stream = new ResponseStream(this.sid, this.rid);
    write({ sid: this.sid, rid: this.rid, kind: 'head', status, headers });
    return this.stream;
  }
}

function write(w: HttpWrite): void {
  const b = carrierBackend();
  if (!b) throw new HubBlockingError('respond');
  b.request(Op.HTTP_WRITE, 0, w);
}

/** A response sent in parts; see {@link GreenRequest.respond}. */
export class ResponseStream {
  #ended = false;
  constructor(
    private readonly sid: number,
    private readonly rid: number,
  ) {}

  get ended(): boolean {
    return this.#ended;
  }

  /** Sends a chunk; parks while the client has not read the previous ones. */
  write(chunk: string | Uint8Array): void {
    if (this.#ended) throw new GreenArgumentError('write() after end()');
    write({ sid: this.sid, rid: this.rid, kind: 'chunk', data: typeof chunk === 'string' ? Buffer.from(chunk) : chunk });
  }

  /** Ends the response, with a last chunk if given. */
  end(chunk?: string | Uint8Array): void {
    if (this.#ended) return;
    this.#ended = true;
    write({ sid: this.sid, rid: this.rid, kind: 'end', data: chunk === undefined ? undefined : typeof chunk === 'string' ? Buffer.from(chunk) : chunk });
  }
}

/** @internal The head of a handler's plain string answer; shared, never changed. */
export const TEXT_HEADERS: Headers = Object.freeze({ 'content-type': 'text/plain; charset=utf-8' }) as Headers;

/**
 * @internal A handler's return value as the hub writes it. Strings stay
 * strings (the hub sends them as UTF-8): they cross the channel cheaper
 * than bytes, and node:http writes a string body with its head in one go.
 */
export function toResponse(rid: number, out: HttpResult): HttpResponseWire {
  if (out === undefined || out === null) return { rid, status: 204, headers: {}, body: undefined };
  if (typeof out === 'string') return { rid, status: 200, headers: TEXT_HEADERS, body: out };
  if (out instanceof Uint8Array) return { rid, status: 200, headers: { 'content-type': 'application/octet-stream' }, body: out };
  if (typeof out !== 'object') throw new GreenArgumentError(`a serveHttp handler must return a string, bytes or { status, headers, body }; got ${typeof out}`);
  const headers: Headers = { ...(out.headers ?? {}) };
  const body = out.body;
  let bytes: Uint8Array | string | undefined;
  if (body === undefined || body === null) bytes = undefined;
  else if (typeof body === 'string') bytes = body;
  else if (body instanceof Uint8Array) bytes = body;
  else {
    bytes = JSON.stringify(body);
    // undefined (a toJSON that returns nothing): Buffer.from throws, as it always did.
    if (typeof bytes !== 'string') bytes = Buffer.from(bytes as unknown as string);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  const status = out.status ?? 200;
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new GreenArgumentError(`a serveHttp handler returned status ${String(status)}; use an integer from 100 to 999`);
  return { rid, status, headers, body: bytes };
}

/**
 * An HTTP server started by {@link serveHttp}. It serves until close(),
 * whichever green thread started it.
 */
export class GreenHttpServer extends HubHandle {
  /** Where it listens: `{ address, family, port }`. */
  address(): { address: string; family: string; port: number } {
    return (this.$green as HandleRef & { info: { address: { address: string; family: string; port: number } } }).info.address;
  }

  get port(): number {
    return this.address().port;
  }

  /** Stops accepting; requests not yet handed to a handler get 503; idle handler green threads end. */
  close(): void {
    callNow(this, 'close', []);
  }
}
registerKind('http-server', (ref) => facadeOf(GreenHttpServer, ref));

/**
 * Serves HTTP with a blocking-style handler: each request runs
 * `handler(req)` in a green thread, which may block (sleep, execSync, a
 * socket, fetchSync, runInHub) without holding up other requests. Returns
 * once listening. The handler returns a string, bytes, or
 * `{ status, headers, body }`; a handler that throws answers 500 and the
 * error is printed, the server goes on. Call it in a green thread.
 *
 * @example
 * ```ts
 * const server = serveHttp({ port: 8080 }, (req) => {
 *   if (req.url === '/slow') sleep(100)
 *   return { status: 200, headers: { 'content-type': 'text/plain' }, body: `hello ${req.method} ${req.url}` }
 * })
 * ```
 */
export function serveHttp(options: ServeHttpOptions, handler: (req: GreenRequest) => HttpResult | Promise<HttpResult>): GreenHttpServer {
  if (options === null || typeof options !== 'object') throw new GreenArgumentError('serveHttp(options, handler): options must be an object with a port');
  if (typeof handler !== 'function') throw new GreenArgumentError('serveHttp(options, handler): handler must be a function');
  const { port, concurrency = 64, maxBodyBytes = 16 * 1024 * 1024, idleTimeout = 5000 } = options;
  checkPort(port, 'serveHttp');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new GreenArgumentError(`serveHttp: concurrency must be a positive integer, got ${String(concurrency)}`);
  const b = carrierBackend();
  if (!b) throw new HubBlockingError('serveHttp');
  const { shipped, bytes } = packCall(handler, []);
  const request: HttpServeRequest = {
    port,
    host: options.host,
    backlog: options.backlog,
    tls: options.tls,
    concurrency,
    maxBodyBytes,
    idleMs: idleTimeout,
    shipped,
    captured: shipped.kind === 'function' && shipped.captures?.length ? bytes : undefined,
  };
  return b.request(Op.HTTP_SERVE, 0, request) as GreenHttpServer;
}
