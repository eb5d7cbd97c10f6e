/**
 * Green thread 0: the application of `greenthread run app.js` and of
 * `node --import greenthread/register app.js`. The main thread becomes the
 * hub; the application runs in a carrier with `process.argv` as if node had
 * run it. Its uncaught error prints its stack and exits 1; its exit code
 * (process.exitCode) becomes the process's.
 *
 * Runs on the hub only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { serialize } from '../channel/channel.js';
import { unpackOutcome } from '../channel/outcome.js';
import { getHub } from './instance.js';

export function runMain(appPath: string, args: string[]): void {
  const resolved = path.resolve(appPath);
  if (!fs.existsSync(resolved)) {
    process.stderr.write(`greenthread: cannot find the application ${resolved}\n`);
    process.exitCode = 1;
    return;
  }
  const hub = getHub();
  hub.argv = [process.execPath, resolved, ...args];
  hub.onEnd = (t, outcome) => {
    if (t.id !== 0 || outcome.ok || outcome.killed) return;
    const { error } = unpackOutcome(outcome);
    process.stderr.write(`${(error as Error | undefined)?.stack ?? String(error)}\n`);
    process.exit(1);
  };
  const t = hub.spawn({ kind: 'main', key: `main:${resolved}`, path: resolved }, serialize([]), { id: 0 });
  // Its failure is reported by onEnd above, not as an unobserved failure.
  t.observed = true;
}
