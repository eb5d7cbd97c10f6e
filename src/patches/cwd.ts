/**
 * The working directory of the green thread running on this thread.
 *
 * Worker threads share the process's one working directory and cannot
 * chdir, so a green thread's own directory is kept here: set from its
 * parent's when it starts, changed by the patched process.chdir, and read by
 * the patched process.cwd, fs and child_process to resolve relative paths.
 * `undefined` means "the process's directory": always so on the hub, and in
 * a green thread that never changed it (then nothing needs resolving, and
 * patched calls pass their arguments through untouched).
 *
 * Runs on every thread; only carriers ever set it.
 */
import path from 'node:path';

export const cwdState: { dir: string | undefined } = { dir: undefined };

/** Resolves `p` against the green thread's directory when it has one and `p` is relative; else returns `p` itself. */
export function resolveGreen(p: unknown): unknown {
  const dir = cwdState.dir;
  if (dir === undefined) return p;
  if (typeof p === 'string') return p.length > 0 && !path.isAbsolute(p) ? path.resolve(dir, p) : p;
  if (Buffer.isBuffer(p)) {
    const s = p.toString();
    return s.length > 0 && !path.isAbsolute(s) ? Buffer.from(path.resolve(dir, s)) : p;
  }
  return p; // fds, URLs (always absolute) and bad input Node itself rejects
}
