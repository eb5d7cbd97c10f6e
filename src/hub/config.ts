/**
 * Hub options, their defaults and their validation.
 *
 * Runs on the hub only.
 */
import os from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { GreenArgumentError } from '../errors.js';
import { MAX_CARRIERS } from '../channel/layout.js';

/** Options of the carrier pool and hub; see {@link configure}. */
export interface GreenOptions {
  /** Carriers started with the hub and kept warm. Default: the number of cores (at least 2). */
  minCarriers?: number;
  /**
   * Hard cap on carriers, hence on green threads running at once (each holds
   * one carrier). Default: sized from memory, about 8 MB a carrier using at
   * most three quarters of RAM, clamped to 16..4096.
   */
  maxCarriers?: number;
  /** Milliseconds an idle carrier beyond `minCarriers` lives before it is ended, giving its memory back. Default 3000. */
  idleTimeout?: number;
  /** `resourceLimits` for every carrier's worker (heap sizes). */
  resourceLimits?: ResourceLimits;
  /**
   * When true (the default), `process.exit(n)` in a green thread exits the
   * whole process with n, as it would in a plain Node program. When false it
   * ends only that green thread's carrier, and the green thread fails.
   */
  exitForwarding?: boolean;
  /**
   * Report (on stderr and on the `greenthread:hub-blocked` diagnostics
   * channel) when the hub's event loop is held longer than this many
   * milliseconds, naming what held it. 0 turns it off. Default: 100, or the
   * `GREENTHREAD_BLOCKED_MS` environment variable; off when
   * `NODE_ENV=production`.
   */
  blockedThreshold?: number;
  /**
   * Report a deadlock (every live green thread waits, with no timeout, on
   * something only another green thread can release, and nothing else is
   * pending) once it has lasted this many milliseconds. 0 turns it off.
   * Default: 2000, or the `GREENTHREAD_DEADLOCK_MS` environment variable.
   */
  deadlockThreshold?: number;
  /**
   * Record where each green thread was spawned and where it parked, for
   * {@link dumpGreenThreads}. Capturing stacks costs: off by default.
   */
  traceSpawns?: boolean;
}

export type ResolvedOptions = Required<Omit<GreenOptions, 'resourceLimits'>> & { resourceLimits?: ResourceLimits };

/** Carrier RSS measured on the machines this was designed on: 7 to 10 MB. */
const CARRIER_BYTES = 8 * 1024 * 1024;

export function defaultOptions(): ResolvedOptions {
  const byMemory = Math.floor((os.totalmem() * 0.75) / CARRIER_BYTES);
  return {
    minCarriers: Math.max(2, os.availableParallelism()),
    maxCarriers: Math.min(4096, Math.max(16, byMemory)),
    idleTimeout: 3_000,
    exitForwarding: true,
    blockedThreshold: envMs('GREENTHREAD_BLOCKED_MS', process.env.NODE_ENV === 'production' ? 0 : 100),
    deadlockThreshold: envMs('GREENTHREAD_DEADLOCK_MS', 2000),
    traceSpawns: false,
  };
}

/** A number of milliseconds from the environment; `fallback` when unset or not a non-negative integer. */
function envMs(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 0) return n;
  process.emitWarning(`greenthread: ${name} must be a non-negative integer of milliseconds, got '${v}'; using ${fallback}`, {
    code: 'ERR_GREEN_INVALID_ARG',
  });
  return fallback;
}

function positiveInt(name: string, v: unknown, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < (allowZero ? 0 : 1)) {
    throw new GreenArgumentError(`options.${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(v)}`);
  }
  return v;
}

export function resolveOptions(base: ResolvedOptions, opts: GreenOptions): ResolvedOptions {
  if (opts === null || typeof opts !== 'object') throw new GreenArgumentError('options must be an object');
  const out = { ...base };
  if (opts.minCarriers !== undefined) out.minCarriers = positiveInt('minCarriers', opts.minCarriers, true);
  if (opts.maxCarriers !== undefined) {
    out.maxCarriers = positiveInt('maxCarriers', opts.maxCarriers);
    if (out.maxCarriers > MAX_CARRIERS) {
      throw new GreenArgumentError(`options.maxCarriers must be at most ${MAX_CARRIERS} (each carrier is a worker thread), got ${out.maxCarriers}`);
    }
  }
  if (opts.idleTimeout !== undefined) out.idleTimeout = positiveInt('idleTimeout', opts.idleTimeout, true);
  if (opts.exitForwarding !== undefined) {
    if (typeof opts.exitForwarding !== 'boolean') throw new GreenArgumentError('options.exitForwarding must be a boolean');
    out.exitForwarding = opts.exitForwarding;
  }
  if (opts.blockedThreshold !== undefined) out.blockedThreshold = positiveInt('blockedThreshold', opts.blockedThreshold, true);
  if (opts.deadlockThreshold !== undefined) out.deadlockThreshold = positiveInt('deadlockThreshold', opts.deadlockThreshold, true);
  if (opts.traceSpawns !== undefined) {
    if (typeof opts.traceSpawns !== 'boolean') throw new GreenArgumentError('options.traceSpawns must be a boolean');
    out.traceSpawns = opts.traceSpawns;
  }
  if (opts.resourceLimits !== undefined) out.resourceLimits = opts.resourceLimits;
  if (out.minCarriers > out.maxCarriers) {
    throw new GreenArgumentError(`options.minCarriers (${out.minCarriers}) must not exceed options.maxCarriers (${out.maxCarriers})`);
  }
  return out;
}
