/**
 * Node's compile cache (Node >= 22.1): compiled code of every module loaded
 * after this call is kept on disk (in os.tmpdir()/node-compile-cache, or
 * NODE_COMPILE_CACHE) and reused by the next isolate that loads the same
 * file. Each carrier is an isolate of its own and loads its green threads'
 * libraries again; with the cache, the second carrier, and the next
 * process, skip compiling them. A worker does not inherit the setting, so
 * every carrier turns it on first thing. NODE_DISABLE_COMPILE_CACHE=1 turns
 * it off, as for node itself. Node 20 has no such cache: there, carriers
 * keep a code cache of their own for large CommonJS files
 * (carrier/code-cache.ts), which the same variable turns off.
 *
 * Runs on every thread.
 */
import nodeModule from 'node:module';

type Enable = (dir?: string) => { status: number; message?: string };

/** Turns the compile cache on for this thread where Node has one (and says whether it has); never throws. */
export function enableCompileCache(): boolean {
  const enable = (nodeModule as unknown as { enableCompileCache?: Enable }).enableCompileCache;
  if (typeof enable !== 'function') return false;
  try {
    enable();
  } catch {
    // A cache that cannot be written (a read-only tmpdir) only costs speed.
  }
  return true;
}
