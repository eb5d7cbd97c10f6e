/**
 * Green thread 0: the application of `greenthread run app.js` and of
 * `node --import greenthread/register app.js`. The main thread becomes the
 * hub; the application runs in a carrier with `process.argv` as if node had
 * run it. Its uncaught error prints its stack and exits 1; its exit code
 * (process.exitCode) becomes the process's.
 *
 * Only the Hub itself is loaded first: the application's carrier starts at
 * once, and its start (tens of milliseconds of a core) overlaps the loading
 * of the hub's ops, which open its dispatch when they are in.
 *
 * Runs on the hub only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { serialize } from '../channel/channel.js';
import { unpackOutcome } from '../channel/outcome.js';
import type { EarlyCarrier } from './early-carrier.js';
import type { Hub } from './hub.js';
import { theHub } from './the-hub.js';

/**
 * Runs the application; `prepare` configures the hub before its first
 * carrier starts; `early` is the application's carrier if the caller
 * started it already (hub/early-carrier.ts). Resolves when the rest of the hub has loaded: only then may
 * the caller load modules that use the hub (hub-access.ts require()s them,
 * and Node refuses a require() of a module that an import() is still
 * loading).
 */
export function runMain(appPath: string, args: string[], prepare?: (hub: Hub) => void, early?: EarlyCarrier): Promise<void> {
  const resolved = path.resolve(appPath);
  if (!fs.existsSync(resolved)) {
    process.stderr.write(`greenthread: cannot find the application ${resolved}\n`);
    process.exitCode = 1;
    return Promise.resolve();
  }
  const hub = theHub();
  prepare?.(hub);
  hub.argv = [process.execPath, resolved, ...args];
  if (early) hub.adoptEarlyCarrier(early);
  hub.onEnd = (t, outcome) => {
    if (t.id !== 0 || outcome.ok || outcome.killed) return;
    const { error } = unpackOutcome(outcome);
    process.stderr.write(`${(error as Error | undefined)?.stack ?? String(error)}\n`);
    process.exit(1);
  };
  const t = hub.spawn({ kind: 'main', key: `main:${resolved}`, path: resolved }, serialize([]), { id: 0 });
  // Its failure is reported by onEnd above, not as an unobserved failure.
  t.observed = true;
  return import('./instance.js').then((m) => {
    m.getHub();
  });
}
