/**
 * serve: the accept loop of a blocking-style server, as eventlet.serve.
 *
 * Runs in green threads.
 */
import { GreenArgumentError } from '../errors.js';
import { GreenPool } from '../sync/pool.js';
import { SocketClosedError } from './errors.js';
import type { GreenServer, GreenSocket } from './socket.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** Connections handled at once; accepting pauses at the limit. Default 100. */
  concurrency?: number;
}

/**
 * Accepts connections on `server` and runs `handler(conn)` for each in its
 * own green thread, at most `concurrency` at once. A handler's error is
 * reported (printed) and the connection closed; the server goes on. Returns
 * when the server is closed. Call it in a green thread.
 *
 * @example
 * ```ts
 * serve(listen(7000), (conn) => {
 *   for (let data; (data = conn.recv()).length > 0; ) conn.sendall(data)   // echo
 *   conn.close()
 * }, { concurrency: 1000 })
 * ```
 */
export function serve(server: GreenServer, handler: (conn: GreenSocket) => unknown, { concurrency = 100 }: ServeOptions = {}): void {
  if (typeof handler !== 'function') throw new GreenArgumentError('serve(server, handler): handler must be a function');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new GreenArgumentError(`serve: concurrency must be a positive integer, got ${String(concurrency)}`);
  const pool = new GreenPool(concurrency);
  for (;;) {
    let conn: GreenSocket;
    try {
      conn = server.accept();
    } catch (err) {
      if (err instanceof SocketClosedError) return;
      // A client that left before it was accepted: accept the next one.
      if ((err as NodeJS.ErrnoException)?.code === 'ECONNABORTED') continue;
      throw err;
    }
    // Parks while `concurrency` handlers run; the connection is handed to the new green thread.
    pool.spawnN(handler, conn);
  }
}
