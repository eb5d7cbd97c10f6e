/**
 * A connected socket in the hub (TCP or TLS). The hub owns the real
 * net.Socket and keeps reading from it into an inbox; a green thread's recv
 * takes what is there, or waits for the next bytes. So a recv interrupted by
 * kill or a Timeout loses nothing: the bytes stay for the next recv.
 *
 * Writes may arrive with a recv (a green thread's sendall is carried by its
 * next operation on the socket): they are written first, and a write error
 * fails that operation.
 *
 * Flow control: past HIGH_WATER bytes unread the hub stops reading (TCP
 * pushes back on the peer) and resumes below LOW_WATER.
 *
 * Runs on the hub only.
 */
import type net from 'node:net';
import { SocketBusyError, SocketClosedError, SocketTimeoutError } from '../../net/errors.js';
import { HubObject, timeoutArg, type Resolver } from '../objects/base.js';

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

interface Reader {
  r: Resolver;
  max: number;
  timer: NodeJS.Timeout | undefined;
}

/** What the facade needs to know at once: addresses and ports. */
export interface SocketInfo {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
}

export function socketInfo(s: net.Socket): SocketInfo {
  return { remoteAddress: s.remoteAddress, remotePort: s.remotePort, localAddress: s.localAddress, localPort: s.localPort };
}

export class SocketState extends HubObject {
  override owners = new Set<number>();
  #inbox: Buffer[] = [];
  #inboxBytes = 0;
  #eof = false;
  #error: Error | undefined;
  #closed = false;
  #reader: Reader | undefined;

  constructor(
    id: number,
    readonly socket: net.Socket,
    private readonly onGone: (s: SocketState) => void,
  ) {
    super(id);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#inbox.push(chunk);
      this.#inboxBytes += chunk.length;
      if (this.#inboxBytes > HIGH_WATER) socket.pause();
      this.#answer();
    });
    socket.on('end', () => {
      this.#eof = true;
      this.#answer();
    });
    socket.on('error', (err) => {
      this.#error ??= err;
      this.#answer();
    });
    socket.on('close', () => {
      this.#eof = true;
      this.#answer();
      this.onGone(this);
    });
    // A client that connected and closed while waiting in the backlog has
    // already ended (Node emits 'end' for an empty stream even when paused).
    if (socket.readableEnded) this.#eof = true;
    if (socket.isPaused()) socket.resume();
  }

  call(method: string, args: unknown[], r: Resolver): void {
    switch (method) {
      case 'recv': {
        const [max, timeoutMs, data] = args as [number, number | undefined, Uint8Array | undefined];
        if (!this.#usable(r)) return;
        if (data) this.#write(data);
        return this.#recv(r, max, timeoutArg(timeoutMs, 'recv'));
      }
      case 'push': {
        // sendall's bytes, flushed before the green thread parks on something else: an error waits for the next operation.
        const [data] = args as [Uint8Array];
        if (!this.#closed && !this.socket.destroyed) this.#write(data);
        return r.ok();
      }
      case 'send': {
        const [data, timeoutMs] = args as [Uint8Array, number | undefined];
        if (!this.#usable(r)) return;
        return this.#send(r, data, timeoutArg(timeoutMs, 'sendall'));
      }
      case 'shutdown': {
        const [data] = args as [Uint8Array | undefined];
        if (!this.#usable(r)) return;
        if (data) this.#write(data);
        this.socket.end();
        return r.ok();
      }
      case 'close': {
        const [data] = args as [Uint8Array | undefined];
        if (this.#closed) return r.ok();
        if (data && !this.socket.destroyed) this.#write(data);
        this.#close(new SocketClosedError('the socket was closed'));
        return r.ok();
      }
    }
    this.unknown(method);
  }

  /** False (and the call failed) when the socket is closed or has failed. */
  #usable(r: Resolver): boolean {
    if (this.#closed) {
      r.fail(new SocketClosedError('the socket is closed; connect or accept a new one'));
      return false;
    }
    return true;
  }

  #write(data: Uint8Array): void {
    // Errors reach the 'error' listener and fail the next read or send.
    this.socket.write(data, (err) => {
      if (err) {
        this.#error ??= err;
        this.#answer();
      }
    });
  }

  #recv(r: Resolver, max: number, timeout: number | undefined): void {
    if (this.#reader && !this.#reader.r.done) {
      return r.fail(new SocketBusyError('another green thread is already waiting in recv() on this socket; only one may read at a time'));
    }
    const reader: Reader = { r, max, timer: undefined };
    this.#reader = reader;
    r.onCancel(() => this.#dropReader(reader));
    if (this.#answer()) return;
    if (timeout !== undefined) {
      reader.timer = setTimeout(() => {
        this.#dropReader(reader);
        r.fail(new SocketTimeoutError(`recv() timed out after ${timeout} ms; the socket stays open`));
      }, timeout);
    }
  }

  #dropReader(reader: Reader): void {
    clearTimeout(reader.timer);
    if (this.#reader === reader) this.#reader = undefined;
  }

  /** Answers the waiting reader if there is something to answer with (called on every change: data, end, error). */
  #answer(): boolean {
    const reader = this.#reader;
    if (!reader) return false;
    if (this.#inboxBytes > 0) {
      this.#dropReader(reader);
      reader.r.ok(this.#take(reader.max));
      return true;
    }
    if (this.#error) {
      this.#dropReader(reader);
      reader.r.fail(this.#error);
      return true;
    }
    if (this.#eof) {
      this.#dropReader(reader);
      reader.r.ok(Buffer.alloc(0));
      return true;
    }
    return false;
  }

  /** Up to `max` bytes from the inbox. */
  #take(max: number): Buffer {
    const first = this.#inbox[0]!;
    let out: Buffer;
    if (first.length <= max && (this.#inbox.length === 1 || first.length + this.#inbox[1]!.length > max)) {
      out = first;
      this.#inbox.shift();
    } else {
      const parts: Buffer[] = [];
      let n = 0;
      while (n < max && this.#inbox.length) {
        const c = this.#inbox[0]!;
        const need = max - n;
        if (c.length <= need) {
          parts.push(c);
          n += c.length;
          this.#inbox.shift();
        } else {
          parts.push(c.subarray(0, need));
          this.#inbox[0] = c.subarray(need);
          n += need;
        }
      }
      out = Buffer.concat(parts, n);
    }
    this.#inboxBytes -= out.length;
    if (this.#inboxBytes < LOW_WATER && this.socket.isPaused() && !this.#closed) this.socket.resume();
    return out;
  }

  #send(r: Resolver, data: Uint8Array, timeout: number | undefined): void {
    if (this.#error) return r.fail(this.#error);
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (err?: Error | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        this.#error ??= err;
        r.fail(err);
      } else r.ok();
    };
    // sendall returns once the data is handed to the kernel or, when its buffer is full, once it drains.
    if (this.socket.write(data, (err) => err && finish(err))) return finish();
    const onDrain = () => finish();
    this.socket.once('drain', onDrain);
    r.onCancel(() => this.socket.off('drain', onDrain));
    if (timeout !== undefined) {
      timer = setTimeout(() => {
        this.socket.off('drain', onDrain);
        if (!done) {
          done = true;
          r.fail(new SocketTimeoutError(`sendall() timed out after ${timeout} ms waiting for the peer to read; the socket stays open`));
        }
      }, timeout);
    }
  }

  #close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    const reader = this.#reader;
    if (reader) {
      this.#dropReader(reader);
      reader.r.fail(reason);
    }
    this.#inbox = [];
    this.#inboxBytes = 0;
    // Data already written still goes out; then the socket is closed.
    if (this.socket.destroyed) return;
    this.socket.end(() => this.socket.destroy());
    // A peer that never reads must not keep it open forever.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  override ownersGone(): void {
    this.#close(new SocketClosedError('the socket was closed: every green thread that held it has ended'));
  }

  override dispose(): void {
    this.#close(new SocketClosedError('the socket was closed: nothing refers to it any more'));
  }
}
