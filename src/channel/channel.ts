/**
 * Views over one carrier's channel and the value codec both sides share.
 *
 * Values are written with v8.serialize (structured clone with Buffers kept as
 * Buffers) into the payload area; numbers skip serialization, and a Buffer
 * goes as its raw bytes (a socket's data costs one copy each way); a value too big
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
  KIND_BYTES,
  KIND_CLONE,
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
   * Writes `value` for the other side: sets the length slot `lenSlot`, the
   * encoding slot `kindSlot` and, for numbers, the F64 slot `f64Slot`.
   * Throws GreenCloneError for values that structured clone cannot copy.
   */
  write(lenSlot: number, kindSlot: number, f64Slot: number, value: unknown, port: MessagePort): void {
    if (typeof value === 'number') {
      this.f64[f64Slot] = value;
      this.i32[kindSlot] = KIND_CLONE;
      this.i32[lenSlot] = LEN_NUMBER;
    } else {
      this.writeValue(lenSlot, kindSlot, value, port);
    }
  }

  /**
   * Writes a value that is not sent as a number: undefined, a Buffer's raw
   * bytes, or structured clone (`what` names it in a GreenCloneError).
   */
  writeValue(lenSlot: number, kindSlot: number, value: unknown, port: MessagePort, what?: string): void {
    if (value === undefined) {
      this.i32[kindSlot] = KIND_CLONE;
      this.i32[lenSlot] = LEN_NONE;
    } else if (Buffer.isBuffer(value)) {
      this.i32[kindSlot] = KIND_BYTES;
      if (value.length === 0) this.i32[lenSlot] = LEN_NONE;
      else this.writeBytes(lenSlot, value, port);
    } else {
      this.i32[kindSlot] = KIND_CLONE;
      this.writeBytes(lenSlot, serialize(value, what), port);
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
  read(lenSlot: number, kindSlot: number, f64Slot: number, port: MessagePort): unknown {
    if (this.i32[lenSlot] === LEN_NUMBER && this.i32[kindSlot] === KIND_CLONE) return this.f64[f64Slot];
    return this.readValue(lenSlot, kindSlot, port);
  }

  /** Reads what the other side wrote with `writeValue`. Throws GreenProtocolError for an encoding it does not know. */
  readValue(lenSlot: number, kindSlot: number, port: MessagePort): unknown {
    const kind = this.i32[kindSlot];
    const len = this.i32[lenSlot];
    if (len === LEN_NONE) {
      if (kind === KIND_BYTES) return Buffer.alloc(0);
      if (kind === KIND_CLONE) return undefined;
    }
    if (len === LEN_NUMBER) throw new GreenProtocolError('a number marker where a payload must be bytes');
    // Taken before the encoding is checked: a payload announced on the port must not stay there for the next read.
    const bytes = len === LEN_NONE ? undefined : this.readBytes(lenSlot, port);
    if (kind === KIND_BYTES) return Buffer.from(bytes!.buffer, bytes!.byteOffset, bytes!.byteLength);
    if (kind !== KIND_CLONE) throw new GreenProtocolError(`payload encoding ${kind} is not one this channel knows`);
    return v8.deserialize(bytes!);
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
