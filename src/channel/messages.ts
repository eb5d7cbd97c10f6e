/**
 * Messages that go by postMessage rather than through the channel: things
 * that must stay ordered with a green thread's output (stdout chunks, the end
 * of a green thread, process.exit) and notifications a carrier reads on its
 * own event loop (another green thread ended).
 *
 * Runs on every thread; types only.
 */
import type { WireError } from '../errors.js';

/** What a green thread ended with, as it travels. */
export type Outcome =
  | { ok: true; value: Uint8Array | undefined; handles?: number[] }
  | { ok: false; killed: boolean; error: WireError | { $greenValue: 1; value: unknown } };

/** Carrier -> hub, on the worker's parentPort. */
export type CarrierMessage =
  | { t: 'ready' }
  | { t: 'out'; fd: 1 | 2; data: string | Uint8Array }
  | { t: 'end'; id: number; outcome: Outcome; exitCode: number | undefined; retire: boolean }
  | { t: 'exit'; code: number }
  /** Whether green thread `id` keeps the process alive (see Backend.holdsProcess). */
  | { t: 'hold'; id: number; holds: boolean }
  /** Facades of hub objects this carrier let go of (garbage collected): one reference per id. */
  | { t: 'release'; ids: number[] };

/** Hub -> carrier, on the worker's port. */
export type HubMessage = { t: 'ended'; id: number; outcome: Outcome } | { t: 'kill-draining'; id: number };

/** Data every carrier starts with. */
export interface CarrierData {
  index: number;
  channel: SharedArrayBuffer;
  doorbell: SharedArrayBuffer;
  port: import('node:worker_threads').MessagePort;
  argv: string[] | undefined;
  /** process.exit in a green thread exits the process (else only the carrier). */
  exitForwarding: boolean;
  /** monkeyPatch() options to apply before any green thread runs. */
  patches: import('../patches/monkey-patch.js').PatchOptions | undefined;
}

/** The command that starts a green thread on an idle carrier. */
export interface RunCommand {
  id: number;
  key: string;
  /** The shipped function or module; omitted when this carrier already has `key`. */
  shipped?: import('../shipping/types.js').Shipped | MainEntry;
  args: Uint8Array;
  /** monkeyPatch() options added since this carrier last patched: apply before running. */
  patches?: import('../patches/monkey-patch.js').PatchOptions;
  /** The working directory it starts in, when not the process's (see patches/cwd.ts). */
  cwd?: string;
  /** The function is a serveHttp handler: run it in the request loop (see net/http-loop.ts). */
  loop?: 'http';
}

/** Green thread 0 of `greenthread run`: the application's entry module. */
export interface MainEntry {
  kind: 'main';
  key: string;
  path: string;
}
