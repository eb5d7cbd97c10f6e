/**
 * Green spawnSync, hub side: the child runs asynchronously (started by the
 * spawner process, see spawner.ts) while the green thread that asked stays
 * parked. Timeout, maxBuffer and a kill or
 * Timeout of the green thread all end the child with its killSignal.
 *
 * Runs on the hub only.
 */
import { promises as dns, type LookupOptions } from 'node:dns';
import type { ChildRequest } from '../channel/child.js';
import { startChild } from './spawner.js';
import { Op } from '../channel/ops.js';
import type { Hub } from './hub.js';
import type { PatchOptions } from '../patches/monkey-patch.js';

export function registerChildOps(hub: Hub): void {
  hub.registerOp(Op.DNS, (req) => {
    const [kind, host, extra] = req.arg as ['lookup' | 'resolve', string, unknown];
    hub.counters.dnsQueries++;
    const answer =
      kind === 'lookup'
        ? dns.lookup(host, (extra ?? {}) as LookupOptions)
        : dns.resolve(host, (extra as string | undefined) ?? 'A');
    // The error keeps its code, errno, syscall and hostname across the channel.
    answer.then(
      (value) => hub.reply(req, value),
      (err) => hub.fail(req, err),
    );
  });

  hub.registerOp(Op.PATCH, (req) => {
    hub.addPatches(req.arg as PatchOptions);
    hub.reply(req);
  });

  hub.registerOp(Op.CHILD_SPAWN_SYNC, (req) => {
    hub.counters.childProcesses++;
    // Invalid options make spawn() throw: that error goes to the green thread.
    req.cancel = startChild(
      req.arg as ChildRequest,
      (reply) => hub.reply(req, reply),
      (err) => hub.fail(req, err),
    );
  });
}
