/**
 * The wire format between the hub and its carriers: one place for every offset.
 *
 * Two kinds of shared memory:
 *
 * - The doorbell, one per hub. A carrier that posts a request appends its
 *   index to the ring and rings the bell (increments BELL and notifies). The
 *   hub keeps one `Atomics.waitAsync` on BELL and drains the whole ring per
 *   wake-up, so N requests cost one wake-up of the hub, not N.
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
/** Incremented by a carrier after it appended to the ring; the hub waits on it. */
export const BELL = 0;
/** Next ring position to reserve (Atomics.add by producers). */
export const RING_TAIL = 1;
/** First ring slot. A slot holds carrier index + 1, or 0 when empty. */
export const RING_START = 4;

/** Bytes of a doorbell whose ring can hold `slots` entries (a power of two). */
export function doorbellBytes(slots: number): number {
  return (RING_START + slots) * 4;
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

/** Reply status. */
export const STATUS_OK = 0;
export const STATUS_ERROR = 1; // payload is a WireError: throw it
export const STATUS_KILLED = 2; // payload is the kill reason: throw GreenThreadExit
export const STATUS_TIMEOUT = 3; // payload is the id of the Timeout that fired: throw it
