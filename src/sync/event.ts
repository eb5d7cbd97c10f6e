/**
 * Event: one green thread (or the hub) sets it, any number wait for it.
 *
 * Runs on every thread.
 */
import { callAsync, callBlocking, callNow, createObject } from './call.js';
import { facadeOf, HubHandle, registerKind, track } from './handles.js';

/**
 * A flag with a value, living in the hub, so that green threads on any carrier
 * and code on the hub share it. Pass it to `spawn` as an argument.
 *
 * @example
 * ```ts
 * const ready = new Event<string>()
 * spawn((ev) => console.log('got', ev.wait()), ready)
 * ready.set('go')              // wakes every waiter with 'go'
 * await ready.waitAsync()      // on the hub
 * ```
 */
export class Event<T = unknown> extends HubHandle {
  constructor() {
    super({ k: 'event', id: createObject('event') });
    track(this);
  }

  /** Sets it with `value` and wakes every waiter. Setting again replaces the value. */
  set(value?: T): void {
    callNow(this, 'set', [value]);
  }

  /** Unsets it: later waits park again. */
  clear(): void {
    callNow(this, 'clear');
  }

  isSet(): boolean {
    return callNow(this, 'isSet') as boolean;
  }

  /**
   * Parks until it is set and returns its value. With `timeout` (ms), returns
   * undefined when the time runs out first. Green threads only.
   */
  wait(timeout?: number): T | undefined {
    return callBlocking(this, 'wait', [timeout], 'Event.wait') as T | undefined;
  }

  /** The awaitable form of {@link Event.wait}, for the hub. */
  waitAsync(timeout?: number): Promise<T | undefined> {
    return callAsync(this, 'wait', [timeout]) as Promise<T | undefined>;
  }
}
registerKind('event', (ref) => facadeOf(Event, ref));
