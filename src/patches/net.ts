/**
 * net, green: adds `net.listenSync(port | options)` and
 * `net.connectSync(port, host?, options?)`, the blocking sockets of
 * greenthread (listen and connect), to node:net. Nothing of node:net is
 * replaced: its async API is the hub's own.
 *
 * Runs on every thread (the functions block only in green threads).
 */
import net from 'node:net';
import { connect, listen } from '../net/socket.js';
import { patchModule } from './registry.js';

/** The names this patch adds. */
export const implementsNames = ['listenSync', 'connectSync'] as const;

/** Adds listenSync and connectSync to node:net. */
export function patchNet(): void {
  patchModule('net', net as unknown as Record<string, unknown>, { listenSync: listen, connectSync: connect });
}
