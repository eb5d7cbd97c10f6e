/**
 * What green networking requests and replies carry between a green thread
 * and the hub.
 *
 * Runs on every thread; types only.
 */

export interface ListenRequest {
  port: number;
  host?: string;
  backlog?: number;
  exclusive?: boolean;
  /** tls.createServer options (key, cert, ...): a TLS server. */
  tls?: Record<string, unknown>;
}

export interface ConnectRequest {
  port: number;
  host?: string;
  timeout?: number;
  /** tls.connect options (ca, servername, rejectUnauthorized, ...): a TLS connection. */
  tls?: Record<string, unknown>;
}

export interface FetchRequest {
  url: string;
  init?: Record<string, unknown>;
  timeout?: number;
}

export interface FetchReply {
  status: number;
  statusText: string;
  headers: [string, string][];
  url: string;
  redirected: boolean;
  body: Uint8Array;
}

export interface HttpServeRequest {
  port: number;
  host?: string;
  backlog?: number;
  tls?: Record<string, unknown>;
  concurrency: number;
  maxBodyBytes: number;
  /** How long an idle handler green thread waits for a request before it ends. */
  idleMs: number;
  /** The handler, shipped. */
  shipped: import('../shipping/types.js').Shipped;
  /** The values the handler captures (shipping/capture.ts), serialized as a one-element array; absent when it captures none. */
  captured?: Uint8Array;
}

/** A request handed to a handler green thread. */
export interface HttpRequestWire {
  /** Identifies the response on the hub. */
  rid: number;
  method: string;
  url: string;
  httpVersion: string;
  /** Raw header pairs, as node:http gives them (rawHeaders). */
  rawHeaders: string[];
  body: Uint8Array | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
}

/**
 * A batch of requests as it crosses the channel: 8 values per
 * request, in the order of HttpRequestWire's fields (rid, method, url,
 * httpVersion, rawHeaders, body, remoteAddress, remotePort). A flat list of
 * plain values is cheaper to copy than an object per request.
 */
export type PackedRequests = (string | number | string[] | Uint8Array | undefined)[];

/**
 * Responses as they cross the channel: 4 values per response
 * (rid, status, headers, body). Status 0: streamed, nothing left to write.
 * Headers 0: the plain-text head (content-type: text/plain; charset=utf-8).
 */
export type PackedResponses = (number | string | Uint8Array | Record<string, string | string[] | number> | undefined)[];

/** A handler's answer (or, streamed, its head). */
export interface HttpResponseWire {
  rid: number;
  status: number;
  headers: Record<string, string | string[] | number>;
  /** A string goes out as UTF-8. */
  body: Uint8Array | string | undefined;
  /** True when the handler streamed its response itself (head and chunks already sent). */
  streamed?: boolean;
}

/** A handler green thread that blocked gives back the responses it made and the requests it has not started (by rid). */
export interface HttpReturn {
  responses: PackedResponses;
  rest: number[];
}

/** A streamed response's parts; `sid` is the server's id, `rid` the request's. */
export type HttpWrite =
  | { sid: number; rid: number; kind: 'head'; status: number; headers: Record<string, string | string[] | number> }
  | { sid: number; rid: number; kind: 'chunk'; data: Uint8Array }
  | { sid: number; rid: number; kind: 'end'; data?: Uint8Array };
