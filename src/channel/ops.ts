/**
 * Op codes of requests a green thread makes to the hub. Each one parks the
 * green thread until the hub replies. Handlers live in src/hub/ops/.
 *
 * Runs on every thread; no imports, no side effects.
 */
export const Op = {
  /** Round trip with no work: the floor of a park, used by benchmarks. */
  NOP: 1,
  /** Park on a hub timer. F64 arg: milliseconds. */
  SLEEP: 2,
  /** Park until another green thread ends. F64 arg: its id. Reply: its value, or its error. */
  WAIT: 3,
  /** Start a green thread. Payload: [shipped, argsBytes]. Reply: the new id. */
  SPAWN: 4,
  /** Kill a green thread. Payload: [id, reason, force]. */
  KILL: 5,
  /** Ask for an 'ended' message when a green thread ends. F64 arg: its id. Reply: true if already dead. */
  LINK: 6,
  /** Status of a green thread. F64 arg: its id. Reply: { dead, killed }. */
  STATUS: 7,
  /** Arm a Timeout of the calling green thread. F64 arg: ms. Payload: the Timeout's id in its carrier. */
  TIMEOUT_ARM: 8,
  /** Cancel a Timeout. F64 arg: its id. */
  TIMEOUT_CANCEL: 9,
  /** Create a hub object (Event, Semaphore, Queue, pool). Payload: [kind, options]. Reply: its id. */
  OBJ_NEW: 10,
  /** Call a hub object's method. Payload: [id, method, args]. Reply: the method's value. */
  OBJ_CALL: 11,
  /** Run a shipped async function on the hub. Payload: [shipped, argsBytes]. Reply: its value. */
  RUN_IN_HUB: 12,
  /** Run a child process to its end (green spawnSync). Payload: a ChildRequest. Reply: a ChildReply. */
  CHILD_SPAWN_SYNC: 13,
  /** monkeyPatch() ran in a green thread: patch every carrier the same. Payload: the options. */
  PATCH: 14,
  /** A DNS query in the hub. Payload: ['lookup', host, options] or ['resolve', host, rrtype]. Reply: its answer. */
  DNS: 15,
  /** Listen on a TCP (or TLS) port. Payload: a ListenRequest. Reply: a server handle. */
  NET_LISTEN: 16,
  /** Connect to a TCP (or TLS) server. Payload: a ConnectRequest. Reply: a socket handle. */
  NET_CONNECT: 17,
  /** An HTTP request through the hub's fetch. Payload: a FetchRequest. Reply: a FetchReply. */
  FETCH: 18,
  /** Start an HTTP server whose handler runs in green threads. Payload: an HttpServeRequest. Reply: its handle. */
  HTTP_SERVE: 19,
  /** A handler green thread's loop: the responses to its previous batch, if any; reply: the next batch of requests, or null to stop. F64 arg: server id. */
  HTTP_NEXT: 20,
  /** A streamed response's head, chunk or end. Payload: an HttpWrite. */
  HTTP_WRITE: 21,
  /** A handler green thread is about to block: the responses it made and the requests it gives back. F64 arg: server id. Payload: an HttpReturn. */
  HTTP_RETURN: 22,
  /**
   * A socket's recv, with the bytes its sendall kept: the hot path of every
   * blocking-style server, so nothing is serialized. F64 arg: socket id;
   * REQ_ARG: max bytes; REQ_ARG2: timeout ms, or -1 for none. Payload: the
   * bytes to write first (raw), if any. Reply: the bytes read (raw; empty at
   * the end of the stream).
   */
  NET_RECV: 23,
} as const;

export type OpCode = (typeof Op)[keyof typeof Op];

/** Highest op code reserved by the core; later modules register above it. */
export const CORE_OP_MAX = 63;
