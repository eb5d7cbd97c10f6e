/**
 * Messages between the hub and the spawner process, over the spawner's IPC
 * channel (advanced serialization, so Buffers cross as bytes). Types only.
 *
 * Runs in the spawner process and on the hub.
 */
import type { ChildReply, ChildRequest } from '../channel/child.js';
import type { WireError } from '../errors.js';

export type ToSpawner =
  /** Start a child; answer `done` (or `failed` if the options are refused) with the same id. */
  | { t: 'run'; id: number; request: ChildRequest }
  /** End child `id` with its killSignal (a kill or Timeout of its green thread). */
  | { t: 'kill'; id: number };

export type FromSpawner =
  | { t: 'done'; id: number; reply: ChildReply }
  | { t: 'failed'; id: number; error: WireError | { $greenValue: 1; value: unknown } };
