/**
 * A listening socket in the hub (TCP or TLS). Connections the hub accepts
 * wait, paused, in a backlog until a green thread's accept() takes one; the
 * accepted socket becomes a SocketState delivered to that green thread.
 *
 * Runs on the hub only.
 */
import type net from 'node:net';
import { SocketClosedError, SocketTimeoutError } from '../../net/errors.js';
import { HubObject, timeoutArg, WaitList, type Resolver } from '../objects/base.js';

export class ServerState extends HubObject {
  override owners = new Set<number>();
  #backlog: net.Socket[] = [];
  #acceptors = new WaitList<{ r: Resolver }>();
  #closed = false;

  constructor(
    id: number,
    readonly server: net.Server,
    /** Makes the hub object of an accepted socket and delivers it. */
    private readonly deliver: (r: Resolver, socket: net.Socket) => void,
    private readonly onGone: (s: ServerState) => void,
    secure: boolean,
  ) {
    super(id);
    server.on(secure ? 'secureConnection' : 'connection', (socket: net.Socket) => {
      // Nothing is read until a green thread has it: the kernel holds the bytes.
      socket.pause();
      const acceptor = this.#acceptors.shift();
      if (acceptor) this.deliver(acceptor.r, socket);
      else {
        this.#backlog.push(socket);
        // A client that gives up while waiting leaves the backlog.
        socket.once('close', () => {
          const i = this.#backlog.indexOf(socket);
          if (i >= 0) this.#backlog.splice(i, 1);
        });
      }
    });
    server.on('close', () => this.onGone(this));
  }

  call(method: string, args: unknown[], r: Resolver): void {
    switch (method) {
      case 'accept': {
        if (this.#closed) return r.fail(new SocketClosedError('the server is closed'));
        const socket = this.#backlog.shift();
        if (socket) return this.deliver(r, socket);
        // Several green threads may wait in accept() at once (one accept loop each): served first come, first served.
        const timeout = timeoutArg(args[0], 'accept');
        this.#acceptors.push({ r }, timeout, (w) => w.r.fail(new SocketTimeoutError(`accept() timed out after ${timeout} ms; the server stays open`)));
        return;
      }
      case 'close':
        this.#close(new SocketClosedError('the server was closed'));
        return r.ok();
    }
    this.unknown(method);
  }

  #close(reason: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#acceptors.all()) w.r.fail(reason);
    for (const s of this.#backlog.splice(0)) s.destroy();
    this.server.close();
  }

  override ownersGone(): void {
    this.#close(new SocketClosedError('the server was closed: every green thread that held it has ended'));
  }

  override dispose(): void {
    this.#close(new SocketClosedError('the server was closed: nothing refers to it any more'));
  }
}
