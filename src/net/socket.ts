/**
 * Blocking sockets for green threads: listen() and connect() give a
 * GreenServer and GreenSockets whose real sockets live in the hub. Each
 * call parks only the calling green thread.
 *
 * sendall() hands small writes to the hub with the socket's next operation
 * (recv, close, shutdown) or before the green thread parks on anything else,
 * so a request/response exchange costs one round trip, not two: like a
 * kernel send buffer, it returns once the bytes are taken, and an error in
 * delivering them (EPIPE, ECONNRESET) is raised by the next operation.
 *
 * Sockets and servers belong to the green threads they were given to: when
 * the last of them ends (returns, fails or is killed), the hub closes them.
 * Passing a socket to spawn hands it to the new green thread.
 *
 * Runs on every thread (the blocking calls only in green threads).
 */
import { carrierBackend } from '../backend.js';
import { Op } from '../channel/ops.js';
import { GreenArgumentError, HubBlockingError } from '../errors.js';
import { callBlocking, callNow } from '../sync/call.js';
import { facadeOf, HubHandle, registerKind, type HandleRef } from '../sync/handles.js';
import { IncompleteReadError } from './errors.js';
import type { ConnectRequest, ListenRequest } from './wire.js';

/** Bytes sendall keeps for the next operation; more goes out at once. */
const FOLD_MAX = 64 * 1024;
const DEFAULT_RECV = 64 * 1024;

type Bytes = string | Buffer | Uint8Array;

function toBuffer(data: Bytes, what: string): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new GreenArgumentError(`${what}: data must be a string, Buffer or Uint8Array, got ${data === null ? 'null' : typeof data}`);
}

function timeoutMs(ms: number | null | undefined, what: string): number | undefined {
  if (ms === null || ms === undefined) return undefined;
  if (typeof ms !== 'number' || !(ms >= 0)) throw new GreenArgumentError(`${what}: timeout must be a number of milliseconds >= 0, or null for none; got ${String(ms)}`);
  return ms;
}

interface SocketLocal {
  out: Buffer[];
  outBytes: number;
  timeout: number | undefined;
}
// Facades are also made without their constructor (a handle revived in
// another thread), so they have no private fields: their per-isolate state
// lives in this side table.
const local = new WeakMap<GreenSocket, SocketLocal>();

function localOf(s: GreenSocket): SocketLocal {
  let st = local.get(s);
  if (!st) local.set(s, (st = { out: [], outBytes: 0, timeout: undefined }));
  return st;
}

function infoOf(s: GreenSocket): SocketInfo {
  return ((s.$green as HandleRef & { info?: SocketInfo }).info ?? {}) as SocketInfo;
}

/** The bytes sendall kept, taken out to travel with the next request. */
function takeOut(s: GreenSocket): Buffer | undefined {
  const st = localOf(s);
  if (st.outBytes === 0) return undefined;
  const data = st.out.length === 1 ? st.out[0]! : Buffer.concat(st.out, st.outBytes);
  st.out = [];
  st.outBytes = 0;
  unflushed.delete(s);
  if (unflushed.size === 0) carrierBackend()?.beforeNextPark(flushAll, false);
  return data;
}

const acceptTimeouts = new WeakMap<GreenServer, number | undefined>();

/** Sockets of this green thread with bytes not yet given to the hub. */
const unflushed = new Set<GreenSocket>();

function flushAll(): void {
  for (const s of [...unflushed]) s.flush();
}

function backendFor(what: string) {
  const b = carrierBackend();
  if (!b) throw new HubBlockingError(what);
  return b;
}

interface SocketInfo {
  remoteAddress?: string;
  remotePort?: number;
  localAddress?: string;
  localPort?: number;
}

/**
 * A connected TCP (or TLS) socket, used blocking-style from green threads.
 * Get one from {@link connect} or `server.accept()`; pass it to spawn to
 * hand it to another green thread.
 *
 * @example
 * ```ts
 * const conn = connect(8080, '127.0.0.1')
 * conn.sendall('ping\n')
 * const reply = conn.recv(4096)   // parks this green thread only
 * conn.close()
 * ```
 */
export class GreenSocket extends HubHandle {
  get remoteAddress(): string | undefined {
    return infoOf(this).remoteAddress;
  }

  get remotePort(): number | undefined {
    return infoOf(this).remotePort;
  }

  get localAddress(): string | undefined {
    return infoOf(this).localAddress;
  }

  get localPort(): number | undefined {
    return infoOf(this).localPort;
  }

  /**
   * Sets the timeout of each later operation on it (recv, sendall) in
   * milliseconds, or null for none (the default). A timed-out operation
   * throws SocketTimeoutError (code ETIMEDOUT); the socket stays usable.
   */
  setTimeout(ms: number | null): void {
    localOf(this).timeout = timeoutMs(ms, 'setTimeout');
  }

  /**
   * Up to `max` bytes, as soon as any arrive; an empty Buffer at the end of
   * the stream (the peer closed or shut down its side).
   */
  recv(max = DEFAULT_RECV): Buffer {
    if (!Number.isInteger(max) || max < 1) throw new GreenArgumentError(`recv(max): max must be a positive integer, got ${String(max)}`);
    const backend = backendFor('recv');
    const data = takeOut(this);
    return backend.netRecv(this.$green.id, max, localOf(this).timeout, data);
  }

  /** Reads into `buf` (up to its length); returns how many bytes, 0 at the end of the stream. */
  recvInto(buf: Uint8Array): number {
    if (!(buf instanceof Uint8Array) || buf.length === 0) throw new GreenArgumentError('recvInto(buf): buf must be a non-empty Buffer or Uint8Array');
    const got = this.recv(buf.length);
    buf.set(got);
    return got.length;
  }

  /** Exactly `n` bytes; throws IncompleteReadError (with what came) if the stream ends first. */
  recvExactly(n: number): Buffer {
    if (!Number.isInteger(n) || n < 0) throw new GreenArgumentError(`recvExactly(n): n must be an integer >= 0, got ${String(n)}`);
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const chunk = this.recv(n - have);
      if (chunk.length === 0) {
        const partial = Buffer.concat(parts, have);
        throw new IncompleteReadError(`recvExactly(${n}): the stream ended after ${have} bytes`, partial);
      }
      parts.push(chunk);
      have += chunk.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /**
   * Sends all of `data`. Returns once the hub has it: small writes travel
   * with this socket's next operation, so an error delivering them is
   * raised there.
   */
  sendall(data: Bytes): void {
    const b = toBuffer(data, 'sendall');
    if (b.length === 0) return;
    backendFor('sendall');
    const st = localOf(this);
    if (st.outBytes + b.length <= FOLD_MAX) {
      // Copied: the caller may reuse its buffer at once.
      st.out.push(typeof data === 'string' ? b : Buffer.from(b));
      st.outBytes += b.length;
      if (!unflushed.has(this)) {
        unflushed.add(this);
        carrierBackend()?.beforeNextPark(flushAll, true);
      }
      return;
    }
    const pending = takeOut(this);
    callBlocking(this, 'send', [pending ? Buffer.concat([pending, b]) : b, st.timeout], 'sendall');
  }

  /**
   * @internal Gives the hub what sendall kept, before this green thread
   * parks on something else. A delivery error is raised by the socket's next
   * operation, not by whatever this green thread parks on.
   */
  flush(): void {
    const data = takeOut(this);
    if (data) callBlocking(this, 'push', [data], 'sendall');
  }

  /** Ends the sending side (the peer's recv sees the end); receiving goes on. */
  shutdown(): void {
    backendFor('shutdown');
    callBlocking(this, 'shutdown', [takeOut(this)], 'shutdown');
  }

  /** Closes the socket after the bytes sent so far. Closing again does nothing. */
  close(): void {
    callNow(this, 'close', [takeOut(this)]);
  }
}

/**
 * A listening TCP (or TLS) socket. `accept()` parks until a client
 * connects and returns its GreenSocket.
 *
 * @example
 * ```ts
 * const server = listen(8080)
 * for (;;) spawn(handle, server.accept())
 * ```
 */
export class GreenServer extends HubHandle {
  /** Where it listens: `{ address, family, port }`, as net.Server.address(). */
  address(): { address: string; family: string; port: number } {
    return (this.$green as HandleRef & { info: { address: { address: string; family: string; port: number } } }).info.address;
  }

  /** The port it listens on. */
  get port(): number {
    return this.address().port;
  }

  /** Timeout of each later accept(), in milliseconds, or null for none. */
  setTimeout(ms: number | null): void {
    acceptTimeouts.set(this, timeoutMs(ms, 'setTimeout'));
  }

  /** Parks until a client connects; returns the connection. Several green threads may accept at once. */
  accept(): GreenSocket {
    backendFor('accept');
    return callBlocking(this, 'accept', [acceptTimeouts.get(this)], 'accept') as GreenSocket;
  }

  /** Stops listening; green threads in accept() get SocketClosedError. */
  close(): void {
    callNow(this, 'close', []);
  }
}

registerKind('socket', (ref) => facadeOf(GreenSocket, ref));
registerKind('server', (ref) => facadeOf(GreenServer, ref));


/** Options of {@link listen}. */
export interface ListenOptions {
  port: number;
  /** Default: every interface, as net.Server.listen. */
  host?: string;
  backlog?: number;
  /** tls.createServer options (`key`, `cert`, ...): accept TLS connections. */
  tls?: Record<string, unknown>;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Milliseconds to wait for the connection (and TLS handshake); default none. */
  timeout?: number;
  /** tls.connect options (`ca`, `servername`, `rejectUnauthorized`, ...), or true: a TLS connection. */
  tls?: Record<string, unknown> | boolean;
}

/** @internal A port as listen, connect and serveHttp take it. */
export function checkPort(port: unknown, what: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new GreenArgumentError(`${what}: port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  return port;
}

/**
 * Listens on a TCP port (0: any free one) in the hub; parks until it listens.
 * Errors are Node's (EADDRINUSE, EACCES).
 *
 * @example
 * ```ts
 * const server = listen({ port: 0, host: '127.0.0.1' })
 * console.log('listening on', server.port)
 * ```
 */
export function listen(portOrOptions: number | ListenOptions): GreenServer {
  const o: ListenOptions = typeof portOrOptions === 'number' ? { port: portOrOptions } : portOrOptions;
  if (o === null || typeof o !== 'object') throw new GreenArgumentError('listen(port | { port, host, backlog, tls }): bad argument');
  const request: ListenRequest = { port: checkPort(o.port, 'listen'), host: o.host, backlog: o.backlog, tls: o.tls };
  return backendFor('listen').request(Op.NET_LISTEN, 0, request) as GreenServer;
}

/**
 * Connects to `host:port` (default host localhost); parks until connected.
 * Errors are Node's (ECONNREFUSED, ENOTFOUND); a timeout throws
 * SocketTimeoutError. An interrupted connect leaves no socket behind.
 *
 * @example
 * ```ts
 * const conn = connect(443, 'example.com', { tls: true, timeout: 5000 })
 * ```
 */
export function connect(port: number, host?: string, options: ConnectOptions = {}): GreenSocket {
  const request: ConnectRequest = {
    port: checkPort(port, 'connect'),
    host,
    timeout: timeoutMs(options.timeout, 'connect'),
    tls: options.tls === true ? {} : options.tls || undefined,
  };
  return backendFor('connect').request(Op.NET_CONNECT, 0, request) as GreenSocket;
}
