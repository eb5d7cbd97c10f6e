/**
 * The hub's half of a Future made inside a fiber: the wrapped call runs here,
 * on the hub's event loop, because the fiber's own loop does not turn while
 * the fiber waits. Shipped to the hub with runInHub by its module's URL (its
 * default export).
 *
 * Runs on the hub (shipped there by ./future.ts).
 */
import { errorToWire } from '../errors.js';
import { materialize, reviveShipped } from '../shipping/materialize.js';
import type { Shipped } from '../shipping/types.js';

/** A function the hub can find by itself: a builtin module's export, or a shipped function. */
export type CallTarget = { builtin: string; path: string[] } | { shipped: Shipped; captured?: unknown[] };

export interface RemoteCall {
  target: CallTarget;
  args: unknown[];
  /** Resolve with every value the callback got (Future.wrap's `multi`). */
  multi: boolean;
}

export type CallResult = { ok: true; value: unknown } | { ok: false; error: ReturnType<typeof errorToWire> };

/** Runs every call at once, each with a node-style callback appended; resolves with each one's result. */
export async function callInHub(calls: RemoteCall[]): Promise<CallResult[]> {
  return Promise.all(
    calls.map(async (call): Promise<CallResult> => {
      try {
        let fn: Function;
        let self: unknown;
        if ('builtin' in call.target) {
          let obj = ((await import(call.target.builtin)) as { default: Record<string, unknown> }).default as unknown;
          for (const key of call.target.path) {
            self = obj;
            obj = (obj as Record<string, unknown>)[key];
          }
          fn = obj as Function;
        } else {
          fn = await materialize(call.target.shipped);
          if (call.target.captured) {
            const captured = await reviveShipped(call.target.captured);
            const wrapped = fn;
            fn = function (this: unknown, ...args: unknown[]) {
              return wrapped.call(this, captured, ...args);
            };
          }
        }
        return await new Promise<CallResult>((resolve) => {
          fn.apply(self, [
            ...call.args,
            (err: unknown, ...values: unknown[]) => {
              if (err) resolve({ ok: false, error: errorToWire(err) });
              else resolve({ ok: true, value: call.multi ? values : values[0] });
            },
          ]);
        });
      } catch (err) {
        return { ok: false, error: errorToWire(err) };
      }
    }),
  );
}

export default callInHub;
