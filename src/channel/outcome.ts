/**
 * How a green thread ended, as wait(), result and link() report it.
 *
 * Runs on every thread.
 */
import { errorFromWire } from '../errors.js';
import { deserialize } from './channel.js';
import type { Outcome } from './messages.js';

export interface Unpacked {
  failed: boolean;
  error?: unknown;
  value?: unknown;
}

/**
 * `localStack`, when given, is appended to the error's stack: where it was received.
 * A kill is not a failure: as in eventlet, the value of a killed green thread
 * is its GreenThreadExit, returned rather than thrown.
 */
export function unpackOutcome(outcome: Outcome, localStack?: string): Unpacked {
  if (outcome.ok) return { failed: false, value: outcome.value === undefined ? undefined : deserialize(outcome.value) };
  const error = errorFromWire(outcome.error, localStack);
  if (outcome.killed) return { failed: false, value: error };
  return { failed: true, error };
}
