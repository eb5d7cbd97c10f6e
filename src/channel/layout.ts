/**
 * The wire format between the hub and its carriers: one place for every offset.
 *
 * Two kinds of shared memory:
 *
 * - The doorbell, one per hub. A carrier that posts a request sets its own
 *   bit in the PENDING bitset and rings the bell (increments BELL and
 *   notifies). The hub keeps one `Atomics.waitAsync` on BELL and takes every
 *   set bit per wake-up, so N requests cost one wake-up of the hub, not N.
 *   A bit rather than a ring of entries: setting it twice is setting it once,
 *   so no carrier (however buggy) can overflow it, leave a hole that stops
 *   the hub's drain, or push another carrier's request out.
 *
 * - The channel, one per carrier: a header of Int32 slots, two Float64 slots
 *   for numeric fast paths, then a payload area for serialized values.
 *   Requests and replies are matched by sequence numbers that only grow:
 *   a carrier parks on RESP_SEQ until it equals the seq of its own request,
 *   so a stale notify can never end a later wait early, and a reply to a
 *   request that was already cancelled (kill, timeout) is recognised and
 *   dropped by the hub before it is written.
 *
 * Runs on every thread; no imports, no side effects.
 */

// ---- doorbell (Int32Array over its own SharedArrayBuffer) ----
/** Incremented by a carrier after it set its PENDING bit; the hub waits on it. */
export const BELL = 0;
/** First word of the PENDING bitset: carrier i owns bit (i & 31) of word PENDING_START + (i >> 5). */
export const PENDING_START = 1;
/**
 * The most carriers a doorbell has bits for. Each carrier is a worker
 * thread, and the hub reads every word of the bitset per wake-up (a word of
 * 32 carriers costs it about a nanosecond; a second level of summary bits
 * measured slower, 3 µs more per round trip on one CPU).
 */
export const MAX_CARRIERS = 32768;

/** Bytes of a doorbell with a PENDING bit for each of `carriers` carriers. */
export function doorbellBytes(carriers: number): number {
  return (PENDING_START + Math.ceil(carriers / 32)) * 4;
}

/**
 * Marks carrier `index` as having posted a request and wakes the hub. The
 * order matters: PENDING, then BELL, so a hub that read BELL before taking
 * the bits either sees this one or is woken again.
 */
export function ringDoorbell(bell: Int32Array, index: number): void {
  Atomics.or(bell, PENDING_START + (index >>> 5), 1 << (index & 31));
  Atomics.add(bell, BELL, 1);
  Atomics.notify(bell, BELL, 1);
}

/** Carriers a doorbell of `bell.length` Int32 words has bits for. */
export function doorbellCapacity(bell: Int32Array): number {
  return (bell.length - PENDING_START) * 32;
}

// ---- carrier channel: Int32 header ----
/** Seq of the carrier's latest request. Written by the carrier. */
export const REQ_SEQ = 0;
/** Seq of the request the hub answered last. Written by the hub; the carrier parks on it. */
export const RESP_SEQ = 1;
/** Op code of the current request. */
export const REQ_OP = 2;
/** Request payload: byte length, or one of the LEN_* markers. */
export const REQ_LEN = 3;
/** Reply status, one of STATUS_*. */
export const RESP_STATUS = 4;
/** Reply payload: byte length, or one of the LEN_* markers. */
export const RESP_LEN = 5;
/** Commands from the hub to an idle carrier (start a green thread). The carrier idles on it. */
export const CMD_SEQ = 6;
/** Command payload: byte length, or one of the LEN_* markers. */
export const CMD_LEN = 7;
/** Id of the green thread the carrier is running (0 when idle). Diagnostic only. */
export const THREAD_ID = 8;
/**
 * Set by the hub when it traces green threads (configure({ traceSpawns })):
 * then each request carries OP_TRACED in REQ_OP and the carrier's stack
 * follows its payload on the carrier's MessagePort. Diagnostic only.
 */
export const TRACE = 9;
/**
 * Id of the green thread whose function has returned while its event loop
 * still has work (it is finished, not ended); 0 otherwise. Written by the
 * carrier, read by the hub's dump. Diagnostic only.
 */
export const RETURNED = 10;
/** How the request payload is encoded: one of KIND_*. */
export const REQ_KIND = 11;
/** How the reply payload is encoded: one of KIND_*. */
export const RESP_KIND = 12;
/** Int32 arguments of ops that take more than the F64 slot (NET_RECV: max bytes, then timeout ms or -1). */
export const REQ_ARG = 13;
export const REQ_ARG2 = 14;
/**
 * Non-zero while the carrier's green thread waits on something other than
 * the hub (a fiber between two runs, a fiber's runner): it holds no core,
 * so the hub's pool counts it as it counts a parked one. Written by the
 * carrier, read by the hub.
 */
export const WAITING = 15;
export const HEADER_SLOTS = 16;
/** Flag in REQ_OP: the request's stack follows on the port (see TRACE). */
export const OP_TRACED = 1 << 16;

// ---- Float64 slots, after the Int32 header ----
export const F64_OFFSET = HEADER_SLOTS * 4;
/** Numeric argument of a request (sleep's ms, wait's thread id). */
export const F64_REQ = 0;
/** Numeric reply. */
export const F64_RESP = 1;

// ---- payload area ----
export const PAYLOAD_OFFSET = F64_OFFSET + 2 * 8;
/**
 * Size of one carrier's channel. Values whose serialized form does not fit
 * travel through the carrier's MessagePort instead and are received
 * synchronously with `receiveMessageOnPort`, so nothing has a size limit.
 */
export const CHANNEL_BYTES = 64 * 1024;
export const PAYLOAD_BYTES = CHANNEL_BYTES - PAYLOAD_OFFSET;

/** Payload length markers. */
export const LEN_NONE = 0; // undefined
export const LEN_PORT = -1; // serialized value sent on the MessagePort
export const LEN_NUMBER = -2; // a number in the F64 slot

/**
 * Payload encodings. A Buffer travels as its raw bytes (one copy each way,
 * no serializer: sockets' data), anything else as structured clone. With
 * KIND_BYTES, LEN_NONE is an empty Buffer.
 */
export const KIND_CLONE = 0;
export const KIND_BYTES = 1;

/** Reply status. */
export const STATUS_OK = 0;
export const STATUS_ERROR = 1; // payload is a WireError: throw it
export const STATUS_KILLED = 2; // payload is the kill reason: throw GreenThreadExit
export const STATUS_TIMEOUT = 3; // payload is the id of the Timeout that fired: throw it
