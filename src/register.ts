/**
 * `node --import greenthread/register app.js`: the same as
 * `greenthread run app.js`. On the main thread it starts the hub, runs the
 * entry module as green thread 0, and registers a resolve hook that turns
 * node's own load of the entry into an empty module, so the application runs
 * once, in its green thread. Like `greenthread run`, it makes Node's
 * blocking calls green in every carrier (GREENTHREAD_NO_PATCH=child_process,
 * or =all, opts out). In carriers (which inherit --import) it does nothing.
 * Without an entry file (`-e`, `-p`, piped input, the REPL) it only patches,
 * for that code (which runs on the hub) and its carriers.
 *
 * Runs on the hub (main thread); side effects on import.
 */
import * as nodeModule from 'node:module';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { carrierBackend } from './backend.js';
import { skipMainSync } from './hooks/skip-main.js';

const { register } = nodeModule;
// Not in the Node 20 typings; present from Node 22.15.
const registerHooks = (nodeModule as unknown as { registerHooks?: (hooks: { resolve: unknown }) => unknown }).registerHooks;

const entry = process.argv[1];
if (isMainThread && !carrierBackend() && entry) {
  let real = entry;
  try {
    real = fs.realpathSync(entry);
  } catch {
    // runMain reports a missing entry.
  }
  const mainURL = pathToFileURL(real).href;
  if (typeof registerHooks === 'function') {
    // In-thread, synchronous hooks (Node >= 22.15); module.register() is deprecated from Node 26.
    registerHooks({ resolve: skipMainSync(mainURL) });
  } else {
    register(new URL('./hooks/skip-main.js', import.meta.url), { data: { mainURL } });
  }
  // Loaded here only: carriers inherit --import and must not load the hub.
  const { runMain } = await import('./hub/run-main.js');
  // As with `greenthread run`: patched unless GREENTHREAD_NO_PATCH names modules (or 'all').
  const { monkeyPatch, patchesWithout } = await import('./patches/monkey-patch.js');
  const patches = patchesWithout(process.env.GREENTHREAD_NO_PATCH);
  if (Object.values(patches).some(Boolean)) monkeyPatch(patches);
  runMain(real, process.argv.slice(2));
} else if (isMainThread && !carrierBackend()) {
  // `node -e`, `-p`, piped input or the REPL: that code runs here, on the
  // hub; its green threads and fibers get the patches as under `greenthread run`
  // (require('fibers') included).
  const { monkeyPatch, patchesWithout } = await import('./patches/monkey-patch.js');
  const patches = patchesWithout(process.env.GREENTHREAD_NO_PATCH);
  if (Object.values(patches).some(Boolean)) monkeyPatch(patches);
}
