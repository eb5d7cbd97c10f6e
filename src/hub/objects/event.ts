/**
 * Event state in the hub: a flag with a value; wait() parks until set().
 *
 * Runs on the hub only.
 */
import { HubObject, timeoutArg, WaitList, type Resolver } from './base.js';
import type { Holds } from './registry.js';

export class EventState extends HubObject {
  #set = false;
  #value: unknown;
  #waiters = new WaitList<{ r: Resolver }>();

  constructor(id: number, private readonly holds: Holds) {
    super(id);
  }

  call(method: string, args: unknown[], r: Resolver): void {
    switch (method) {
      case 'set': {
        this.holds.drop(this.#value);
        this.#value = args[0];
        this.holds.keep(this.#value);
        this.#set = true;
        for (const w of this.#waiters.all()) w.r.ok(this.#value);
        return r.ok();
      }
      case 'clear':
        this.#set = false;
        this.holds.drop(this.#value);
        this.#value = undefined;
        return r.ok();
      case 'isSet':
        return r.ok(this.#set);
      case 'wait': {
        if (this.#set) return r.ok(this.#value);
        const timeout = timeoutArg(args[0], 'Event.wait');
        if (timeout === 0) return r.ok(undefined);
        this.#waiters.push({ r }, timeout, (w) => w.r.ok(undefined));
        return;
      }
    }
    this.unknown(method);
  }

  override dispose(): void {
    this.holds.drop(this.#value);
  }
}
