/**
 * A function of the hub that green threads call: a callback passed to spawn,
 * or a function a spawned function closes over that cannot follow it (it
 * changes state of the hub, or uses what cannot be copied). The green thread
 * parks; the function runs here with the copied arguments; its result (a
 * promise is awaited) or its error goes back.
 *
 * Runs on the hub only.
 */
import { revive } from '../../sync/handles.js';
import { HubObject, type Resolver } from './base.js';

export class CallbackState extends HubObject {
  constructor(
    id: number,
    readonly fn: Function,
  ) {
    super(id);
  }

  call(method: string, args: unknown[], r: Resolver): void {
    if (method !== 'call') this.unknown(method);
    new Promise((resolve) => resolve(this.fn(...revive(args)))).then(
      (value) => {
        if (!r.done) r.ok(value);
      },
      (err) => {
        if (!r.done) r.fail(err);
      },
    );
  }
}
