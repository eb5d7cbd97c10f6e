/**
 * Errors of green sockets, servers and fetchSync. Each crosses threads with
 * its class (registered like the core's).
 *
 * Runs on every thread.
 */
import { GreenError, registerErrorClass } from '../errors.js';

/**
 * A socket operation (connect, accept, recv, sendall) or fetchSync took
 * longer than its timeout. The socket stays open and usable, and the
 * timeout can be changed before the next call. Its code is `ETIMEDOUT`, as
 * Node's own socket timeouts.
 *
 * @example
 * ```ts
 * conn.setTimeout(500)
 * try { conn.recv(4096) } catch (e) { if (e instanceof SocketTimeoutError) conn.sendall('still there?\n') }
 * ```
 */
export class SocketTimeoutError extends GreenError {
  constructor(message: string) {
    super(message);
    this.code = 'ETIMEDOUT';
  }
}

/** A second green thread called recv (or accept) on a socket while one already waits in it. */
export class SocketBusyError extends GreenError {
  constructor(message: string) {
    super(message);
    this.code = 'ERR_GREEN_SOCKET_BUSY';
  }
}

/** The socket or server was closed (by close(), or because every green thread that held it ended). */
export class SocketClosedError extends GreenError {
  constructor(message: string) {
    super(message);
    this.code = 'ERR_GREEN_SOCKET_CLOSED';
  }
}

/**
 * recvExactly(n) met the end of the stream first; `partial` holds what came.
 *
 * @example
 * ```ts
 * try { header = conn.recvExactly(8) } catch (e) { if (e instanceof IncompleteReadError) console.log(e.partial.length) }
 * ```
 */
export class IncompleteReadError extends GreenError {
  declare partial: Buffer;
  constructor(message: string, partial: Buffer) {
    super(message);
    this.code = 'ERR_GREEN_INCOMPLETE_READ';
    this.partial = partial;
  }
}

registerErrorClass('SocketTimeoutError', SocketTimeoutError);
registerErrorClass('SocketBusyError', SocketBusyError);
registerErrorClass('SocketClosedError', SocketClosedError);
registerErrorClass('IncompleteReadError', IncompleteReadError);
