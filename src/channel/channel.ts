/**
 * Views over one carrier's channel and the value codec both sides share.
 *
 * Values are written with v8.serialize (structured clone with Buffers kept as
 * Buffers) into the payload area; numbers skip serialization; a value too big
 * for the area goes through the carrier's MessagePort and is read back
 * synchronously with `receiveMessageOnPort`.
 *
 * Runs on every thread.
 */
import v8 from 'node:v8';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { GreenCloneError, GreenProtocolError } from '../errors.js';
import {
  F64_OFFSET,
  LEN_NONE,
  LEN_NUMBER,
  LEN_PORT,
  PAYLOAD_BYTES,
  PAYLOAD_OFFSET,
} from './layout.js';

export class ChannelView {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly payload: Uint8Array;

  constructor(readonly sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab, 0, F64_OFFSET / 4);
    this.f64 = new Float64Array(sab, F64_OFFSET, 2);
    this.payload = new Uint8Array(sab, PAYLOAD_OFFSET, PAYLOAD_BYTES);
  }

  /**
   * Writes `value` for the other side: sets the length slot `lenSlot` and, for
   * numbers, the F64 slot `f64Slot`. Throws GreenCloneError for values that
   * structured clone cannot copy.
   */
  write(lenSlot: number, f64Slot: number, value: unknown, port: MessagePort): void {
    if (value === undefined) {
      this.i32[lenSlot] = LEN_NONE;
    } else if (typeof value === 'number') {
      this.f64[f64Slot] = value;
      this.i32[lenSlot] = LEN_NUMBER;
    } else {
      this.writeBytes(lenSlot, serialize(value), port);
    }
  }

  /** Writes already-serialized bytes (see `serialize`). */
  writeBytes(lenSlot: number, bytes: Uint8Array, port: MessagePort): void {
    if (bytes.length === 0) throw new GreenProtocolError('empty serialized payload');
    if (bytes.length <= PAYLOAD_BYTES) {
      this.payload.set(bytes);
      this.i32[lenSlot] = bytes.length;
    } else {
      port.postMessage(bytes);
      this.i32[lenSlot] = LEN_PORT;
    }
  }

  /** Reads what the other side wrote with `write`. */
  read(lenSlot: number, f64Slot: number, port: MessagePort): unknown {
    const len = this.i32[lenSlot];
    if (len === LEN_NONE) return undefined;
    if (len === LEN_NUMBER) return this.f64[f64Slot];
    return v8.deserialize(this.readBytes(lenSlot, port));
  }

  /** Reads the serialized bytes of a payload without deserializing it. */
  readBytes(lenSlot: number, port: MessagePort): Uint8Array {
    const len = this.i32[lenSlot];
    if (len === LEN_PORT) {
      const msg = receiveMessageOnPort(port);
      if (!msg || !(msg.message instanceof Uint8Array)) {
        throw new GreenProtocolError('payload announced on the port is missing');
      }
      return msg.message;
    }
    if (len <= 0 || len > PAYLOAD_BYTES) {
      throw new GreenProtocolError(`payload length ${len} is outside the payload area (0..${PAYLOAD_BYTES})`);
    }
    // Copy out: the area is reused by the next message.
    return this.payload.slice(0, len);
  }
}

/** Structured clone to bytes, with a GreenCloneError that says what to do. */
export function serialize(value: unknown, what = 'value'): Uint8Array {
  try {
    return v8.serialize(value);
  } catch (err) {
    throw new GreenCloneError(
      `${what} cannot be copied to another thread (${(err as Error).message}). ` +
        `Green threads run in separate isolates: pass plain data, Buffers, typed arrays, Maps, Sets or Errors, not functions, class instances with behaviour, or handles.`,
      { cause: err },
    );
  }
}

export function deserialize(bytes: Uint8Array): unknown {
  return v8.deserialize(bytes);
}

const MARKER = Buffer.from('$green');

/**
 * Whether serialized bytes may contain a hub-object handle: a fast byte
 * search that lets plain data skip the walk that finds them.
 */
export function mayHoldHandles(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(MARKER) !== -1;
}
