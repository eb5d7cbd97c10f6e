// Waiting helpers shared by test files that watch real processes and pools.

/** Resolves once `cond()` holds; throws naming `what` after `ms`. */
export async function until(cond: () => boolean, what = 'condition', ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Whether process `pid` still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
