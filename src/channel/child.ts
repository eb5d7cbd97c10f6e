/**
 * The wire form of a green spawnSync: what a carrier asks the hub to run and
 * what comes back. Types only.
 *
 * Runs on every thread.
 */

export type StdioEntry = 'pipe' | 'inherit' | 'ignore' | number;

export interface ChildRequest {
  file: string;
  args: string[];
  cwd: string | undefined;
  env: Record<string, string | undefined>;
  argv0: string | undefined;
  uid: number | undefined;
  gid: number | undefined;
  windowsHide: boolean;
  stdio: [StdioEntry, StdioEntry, StdioEntry];
  input: Uint8Array | undefined;
  timeout: number;
  killSignal: string | number;
  maxBuffer: number;
}

export interface ChildReply {
  pid: number;
  status: number | null;
  signal: string | null;
  stdout: Uint8Array | null;
  stderr: Uint8Array | null;
  /** Why it failed: the spawn itself (ENOENT, EACCES), or ETIMEDOUT / ENOBUFS. */
  error: { code: string; errno: number } | undefined;
}
