/**
 * fetchSync: a blocking HTTP client for green threads, through the hub's
 * own fetch (undici): the green thread parks while the hub does the request
 * and reads the whole body.
 *
 * Runs on every thread (the call itself in green threads).
 */
import { carrierBackend } from '../backend.js';
import { Op } from '../channel/ops.js';
import { GreenArgumentError, HubBlockingError } from '../errors.js';
import type { FetchReply, FetchRequest } from './wire.js';

/** fetch's init, minus what cannot cross threads (signal, streams), plus a timeout. */
export interface FetchSyncInit {
  method?: string;
  headers?: Record<string, string> | [string, string][];
  /** A string or bytes (a stream cannot cross threads). */
  body?: string | Uint8Array | ArrayBuffer;
  redirect?: 'follow' | 'error' | 'manual';
  /** Milliseconds for the whole request, body included; then SocketTimeoutError (ETIMEDOUT). */
  timeout?: number;
}

/** The response: fetch's Response, read in full. */
export class SyncResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: Headers;
  readonly url: string;
  readonly redirected: boolean;
  /** The whole body. */
  readonly body: Buffer;

  /** @internal */
  constructor(r: FetchReply) {
    this.status = r.status;
    this.statusText = r.statusText;
    this.ok = r.status >= 200 && r.status < 300;
    this.headers = new Headers(r.headers);
    this.url = r.url;
    this.redirected = r.redirected;
    this.body = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json(): unknown {
    return JSON.parse(this.text());
  }

  arrayBuffer(): ArrayBuffer {
    return this.body.buffer.slice(this.body.byteOffset, this.body.byteOffset + this.body.byteLength) as ArrayBuffer;
  }
}

/**
 * Fetches `url` and returns the whole response, parking this green thread
 * meanwhile. A network failure throws fetch's own TypeError (its `cause` says
 * why: ECONNREFUSED, ENOTFOUND); HTTP errors are responses (check `ok`).
 *
 * @example
 * ```ts
 * const res = fetchSync('http://127.0.0.1:8080/items', { timeout: 2000 })
 * if (res.ok) console.log(res.json())
 * ```
 */
export function fetchSync(url: string | URL, init: FetchSyncInit = {}): SyncResponse {
  if (typeof url !== 'string' && !(url instanceof URL)) throw new GreenArgumentError(`fetchSync(url): url must be a string or URL, got ${typeof url}`);
  const { timeout, ...rest } = init;
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) throw new GreenArgumentError(`fetchSync: timeout must be a number of milliseconds >= 0, got ${String(timeout)}`);
  if ('signal' in rest) throw new GreenArgumentError('fetchSync: an AbortSignal cannot cross to the hub; use the timeout option');
  const b = carrierBackend();
  if (!b) throw new HubBlockingError('fetchSync');
  const body = rest.body instanceof ArrayBuffer ? new Uint8Array(rest.body) : rest.body;
  const request: FetchRequest = { url: String(url), init: { ...rest, body }, timeout };
  return new SyncResponse(b.request(Op.FETCH, 0, request) as FetchReply);
}
